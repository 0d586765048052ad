"""DocManager: single-flight loading, merged fan-out without echo, idle unload, reload."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pycrdt
import pytest

from salon.documents import repository as repo
from salon.documents.limits import DocLimits
from salon.documents.manager import DocManager
from salon.documents.room import Author, Client
from salon.store.db import Database
from tests.documents.dbutil import archive
from tests.documents.helpers import eventually


class RecordingTransport:
    """Our own Transport interface, recording what the flush loop sends."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, bytes, tuple[str, ...], str | None]] = []

    async def broadcast(self, namespace: str, event: str, data: bytes, skip: Sequence[str]) -> None:
        self.sent.append((namespace, event, data, tuple(skip), None))

    async def send(self, namespace: str, sid: str, event: str, data: bytes) -> None:
        self.sent.append((namespace, event, data, (), sid))

    async def disconnect(self, namespace: str, sid: str) -> None:
        self.sent.append((namespace, "disconnect", b"", (), sid))


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await archive(tmp_path)
    yield database
    await database.stop()


async def new_document(db: Database) -> str:
    async with db.unit() as session:
        return (await repo.add_document(session, "room1", "notes", "ana")).id


async def started(db: Database, **limits: Any) -> tuple[DocManager, RecordingTransport]:
    transport = RecordingTransport()
    manager = DocManager(db, DocLimits(flush_ms=20, write_batch_ms=5, **limits), transport)
    await manager.start()
    return manager, transport


def edit(text: str) -> bytes:
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    doc.get("content", type=pycrdt.Text).insert(0, text)
    return doc.get_update()


def text_of(update: bytes) -> str:
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    doc.apply_update(update)
    return str(doc.get("content", type=pycrdt.Text))


async def test_simultaneous_first_opens_share_one_room(db: Database) -> None:
    doc_id = await new_document(db)
    manager, _ = await started(db)
    rooms = await asyncio.gather(*(manager.open(doc_id, "room1") for _ in range(10)))
    assert len({id(r) for r in rooms}) == 1
    await manager.stop()


async def test_one_window_is_merged_and_nobody_gets_their_own_edit(db: Database) -> None:
    doc_id = await new_document(db)
    manager, transport = await started(db)
    room = await manager.open(doc_id, "room1")
    for sid in ("a", "b", "c"):
        room.join(Client(sid, "/ns", sid, "participant"))
    room.apply(edit("A"), Author("a"), "a")
    room.apply(edit("B"), Author("b"), "b")
    await eventually(lambda: len(transport.sent) >= 3)  # one broadcast + one per sender
    updates = [s for s in transport.sent if s[1] == "sync-update"]
    broadcast = [s for s in updates if s[4] is None]
    assert len(broadcast) == 1 and set(broadcast[0][3]) == {"a", "b"}
    assert sorted(text_of(broadcast[0][2])) == ["A", "B"]
    direct = {s[4]: text_of(s[2]) for s in updates if s[4] is not None}
    assert direct == {"a": "B", "b": "A"}
    await manager.stop()


async def test_single_sender_is_skipped_without_extra_sends(db: Database) -> None:
    doc_id = await new_document(db)
    manager, transport = await started(db)
    room = await manager.open(doc_id, "room1")
    room.join(Client("a", "/ns", "a", "participant"))
    room.apply(edit("x"), Author("a"), "a")
    room.apply(edit("y"), Author("a"), "a")
    await eventually(lambda: len(transport.sent) >= 1)
    await asyncio.sleep(0.05)  # and nothing more follows
    assert [(s[1], s[3], s[4]) for s in transport.sent] == [("sync-update", ("a",), None)]
    await manager.stop()


async def test_idle_unload_waits_for_persistence_and_reload_is_equal(db: Database) -> None:
    doc_id = await new_document(db)
    manager, _ = await started(db, idle_unload_s=0.0)
    room = await manager.open(doc_id, "room1")
    room.apply(edit("persist me"), Author("ana"))
    state = room.doc.get_update()
    assert manager.unload_idle() == []  # the update is not yet written
    await manager.writer.flush()
    assert manager.unload_idle() == [doc_id]
    again = await manager.open(doc_id, "room1")
    assert again is not room
    assert again.doc.get_state() == room.doc.get_state()
    assert text_of(again.doc.get_update()) == text_of(state) == "persist me"
    await manager.stop()


async def test_rooms_with_clients_stay_loaded(db: Database) -> None:
    doc_id = await new_document(db)
    manager, _ = await started(db, idle_unload_s=0.0)
    room = await manager.open(doc_id, "room1")
    room.join(Client("a", "/ns", "a", "viewer"))
    assert manager.unload_idle() == []
    await manager.stop()


async def test_stop_flushes_pending_writes(db: Database) -> None:
    doc_id = await new_document(db)
    manager = DocManager(db, DocLimits(write_batch_ms=10_000))  # would not commit on its own
    await manager.start()
    room = await manager.open(doc_id, "room1")
    room.apply(edit("last words"), Author("ana"))
    await manager.stop()
    async with db.read() as session:
        rows = await repo.updates_after(session, doc_id, 0)
    assert len(rows) == 1


async def test_updates_are_stamped_with_the_live_session(db: Database) -> None:
    doc_id = await new_document(db)
    manager, _ = await started(db)
    manager.session_of = lambda room_id: "sess1" if room_id == "room1" else None
    room = await manager.open(doc_id, "room1")
    room.apply(edit("x"), Author("ana"))
    await manager.writer.flush()
    async with db.read() as session:
        rows = await repo.updates_after(session, doc_id, 0)
    assert [(r.user_id, r.session_id) for r in rows] == [("ana", "sess1")]
    await manager.stop()


async def test_server_side_append_reaches_clients_and_log(db: Database) -> None:
    from salon.documents.service import DocumentService

    class Roles:
        async def role_of(self, room_id: str, identity: object) -> str:
            return "host"

        async def is_archived(self, room_id: str) -> bool:
            return False

    manager, transport = await started(db)
    service = DocumentService(db, Roles(), manager, manager.limits)
    await service.append_text(
        "room1", "Session notes", "Q: ü? A: yes 🙂\n", Author(None), create=True
    )
    await service.append_text("room1", "Session notes", "next\n", Author("ana"))
    document = await service.get("room1", "Session notes")
    room = manager.rooms[document.id]
    room.join(Client("s", "/ns", "bob", "viewer"))
    await service.append_text("room1", "Session notes", "live", Author("ana"))
    await eventually(lambda: len(transport.sent) >= 1)
    assert str(room.doc.get("content", type=pycrdt.Text)) == "Q: ü? A: yes 🙂\nnext\nlive"
    assert [s[1] for s in transport.sent] == ["sync-update"]
    await service.flush()
    async with db.read() as session:
        rows = await repo.updates_after(session, document.id, 0)
    # consecutive updates of one author in one write batch may share a row
    assert rows[0].user_id is None and {r.user_id for r in rows[1:]} == {"ana"}
    await manager.stop()
