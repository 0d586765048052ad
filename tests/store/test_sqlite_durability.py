"""The embedded archive's durability setting reaches every SQLite connection."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from salon.store.db import Database


@pytest.mark.parametrize(("setting", "pragma"), [("full", 2), ("normal", 1)])
async def test_synchronous_pragma_follows_the_setting(
    tmp_path: Path, setting: str, pragma: int
) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'salon.db'}", sqlite_synchronous=setting)
    await db.start()
    try:
        async with db.read() as s:
            assert (await s.scalar(text("PRAGMA journal_mode"))) == "wal"
            assert (await s.scalar(text("PRAGMA synchronous"))) == pragma
    finally:
        await db.stop()


async def test_full_is_the_default(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'salon.db'}")
    await db.start()
    try:
        async with db.read() as s:
            assert (await s.scalar(text("PRAGMA synchronous"))) == 2
    finally:
        await db.stop()
