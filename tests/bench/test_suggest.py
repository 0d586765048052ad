"""The suggestion benchmark's harness works on both backends (a small archive): it fills,
asks, finds suggestions and never shows the private room. No timed assertion: the figures
come from ``python -m bench.suggest`` (docs/benchmarks-archive.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bench import suggest
from tests.support.services import postgres_database, require_service


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_suggestion_harness_runs(backend: str, tmp_path: Path) -> None:
    args = argparse.Namespace(questions=2_000, queries=30)
    if backend == "sqlite":
        await suggest.run(f"sqlite+aiosqlite:///{tmp_path / 'suggest.db'}", args)
    else:
        require_service("postgres")
        with postgres_database() as url:
            await suggest.run(url, args)
