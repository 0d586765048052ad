"""The learner-query relevance benchmark as a regression guard, on both backends: the fixed
archive is built through the real services and its 60 queries asked (about 20 s each).
The floors are the figures measured when issue 20 landed (docs/benchmarks-archive.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.archive import archive_node
from bench.relevance import CLASSES, ask_all, build_archive
from tests.support.services import postgres_database, require_service

# recall@3 per class as measured: exact 1.00, reworded 0.95, natural 0.75.
FLOORS = {"exact": 1.0, "reworded": 0.95, "natural": 0.75}


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_learners_land_on_the_answer(backend: str, tmp_path: Path) -> None:
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'relevance.db'}"
        async with archive_node(url) as services:
            outcomes = await ask_all(services, await build_archive(services))
    else:
        require_service("postgres")
        with postgres_database() as url:
            async with archive_node(url) as services:
                outcomes = await ask_all(services, await build_archive(services))
    assert all(o.hits > 0 for o in outcomes)  # no zero-hit query
    for klass in CLASSES:
        group = [o for o in outcomes if o.klass == klass]
        recalled = sum(1 for o in group if o.rank is not None and o.rank <= 3)
        assert recalled / len(group) >= FLOORS[klass], klass
