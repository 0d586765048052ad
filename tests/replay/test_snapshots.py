"""Snapshot retention keeps seeks cheap anywhere in a long session."""

from __future__ import annotations

import asyncio
from pathlib import Path

from salon.documents import repository as repo
from salon.store.db import Database
from salon.store.migrate import upgrade
from salon.store.models import DocSnapshot, Document, DocUpdate, Room, User, utcnow


async def test_old_snapshots_are_thinned_not_dropped(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    await db.start()
    try:
        async with db.unit() as s:
            s.add(User(id="u", name="U"))
            await s.flush()
            s.add(Room(id="r", title="R", created_by="u"))
            await s.flush()
            s.add(Document(id="d", room_id="r", name="notes", created_by="u"))
            await s.flush()
            for upto in range(1, 31):
                s.add(DocUpdate(id=upto, document_id="d", data=b"", created_at=utcnow()))
                s.add(
                    DocSnapshot(
                        document_id="d",
                        upto_update_id=upto,
                        upto_at=utcnow(),
                        state=b"",
                        update_count=1,
                    )
                )
        async with db.unit() as s:
            assert await repo.prune_snapshots(s, "d", keep=3, spacing=5) == 22
        async with db.read() as s:
            kept = [upto for _, upto, _, _ in await repo.list_snapshots(s, "d")]
        assert kept == [30, 29, 28, 23, 18, 13, 8, 3]
    finally:
        await db.stop()
