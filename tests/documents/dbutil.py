"""An archive for domain-level document tests: a migrated SQLite file with one room."""

from __future__ import annotations

import asyncio
from pathlib import Path

from salon.store.db import Database
from salon.store.migrate import upgrade
from salon.store.models import Room, User


async def archive(tmp_path: Path, room_id: str = "room1") -> Database:
    url = f"sqlite+aiosqlite:///{tmp_path / 'salon.db'}"
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    await db.start()
    async with db.unit() as session:
        session.add(User(id="ana", name="Ana"))
        await session.flush()
        session.add(Room(id=room_id, title="Room", created_by="ana"))
    return db
