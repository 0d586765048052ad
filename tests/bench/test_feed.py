"""The feed benchmark's harness runs end to end on both backends at a small size: the archive
fills and every timed read returns a full page. No timed assertions: ``python -m bench.feed``
prints the figures."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bench.archive import archive_node
from bench.feed import Shape, analyze, build, read
from tests.support.services import postgres_database, require_service

SMALL = Shape(answers=1000, rooms=40, tags=100, people=300, follow_tags=20, follow_people=20)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_feed_benchmark_harness(backend: str, tmp_path: Path) -> None:
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'feed.db'}"
        async with archive_node(url) as services:
            await build(services, SMALL, random.Random(7))
            await analyze(services)
            samples, shown = await read(services, 6, random.Random(1))
    else:
        require_service("postgres")
        with postgres_database() as url:
            async with archive_node(url) as services:
                await build(services, SMALL, random.Random(7))
                await analyze(services)
                samples, shown = await read(services, 6, random.Random(1))
    assert len(samples) == 6
    assert shown > 0
