"""The update log: grouped commits, snapshots equal to "log up to N", load = snapshot + tail."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pycrdt
import pytest
from sqlalchemy.exc import IntegrityError

from salon.documents import repository as repo
from salon.documents.persist import (
    LoadedState,
    UpdateWriter,
    _group,
    _Pending,
    load_state,
    write_snapshot,
)
from salon.documents.room import Author
from salon.store.db import Database
from salon.store.models import utcnow
from tests.documents.dbutil import archive


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await archive(tmp_path)
    yield database
    await database.stop()


async def new_document(db: Database, name: str = "notes") -> str:
    async with db.unit() as session:
        return (await repo.add_document(session, "room1", name, "ana")).id


class Typist:
    """A client doc that produces one update per keystroke."""

    def __init__(self) -> None:
        self.doc: pycrdt.Doc[Any] = pycrdt.Doc()
        self.text = self.doc.get("content", type=pycrdt.Text)

    def type(self, chars: str) -> list[bytes]:
        updates = []
        for char in chars:
            before = self.doc.get_state()
            self.text += char
            updates.append(self.doc.get_update(before))
        return updates


def text_of(state: bytes) -> str:
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    doc.apply_update(state)
    return str(doc.get("content", type=pycrdt.Text))


def test_group_merges_runs_of_one_author_per_document() -> None:
    updates = Typist().type("abcd")
    now = utcnow()
    batch = [
        _Pending("d1", updates[0], Author("ana"), now),
        _Pending("d1", updates[1], Author("ana"), now),
        _Pending("d1", updates[2], Author("bob"), now),
        _Pending("d2", updates[3], Author("bob"), now),
    ]
    rows = _group(batch)
    assert [(r["document_id"], r["user_id"]) for r in rows] == [
        ("d1", "ana"),
        ("d1", "bob"),
        ("d2", "bob"),
    ]
    assert text_of(rows[0]["data"]) == "ab"


async def test_writer_commits_in_batches_and_snapshots(db: Database) -> None:
    doc_id = await new_document(db)
    writer = UpdateWriter(db, batch_ms=5, snapshot_every=10)
    await writer.start()
    typist = Typist()
    for chunk in ("hello ", "world ", "again"):
        for update in typist.type(chunk):
            writer.append(doc_id, update, Author("ana"))
        await writer.flush()
    await writer.stop()
    async with db.read() as session:
        snapshots = await repo.list_snapshots(session, doc_id)
        rows = await repo.updates_after(session, doc_id, 0)
    assert 1 <= len(rows) <= 17
    assert snapshots, "a snapshot is written once the tail passes snapshot_every"
    loaded = await load_state(db, doc_id)
    assert text_of(loaded.state) == "hello world again"
    assert loaded.tail < len(rows)


async def test_large_document_snapshots_once_its_tail_is_half_its_size(db: Database) -> None:
    """A snapshot rebuilds the whole document: on a large one it waits until the tail holds
    half the state's bytes, so its cost per logged byte does not grow with the document."""
    doc_id = await new_document(db)
    typist = Typist()
    seed = b"".join(typist.type("x" * 50))  # only sized here: the writer never reads it
    writer = UpdateWriter(db, batch_ms=5, snapshot_every=10, snapshot_ratio=0.5)
    writer.note_tail(doc_id, LoadedState(seed * 8, None, 0))  # "a document of 8x that"
    await writer.start()
    updates = typist.type("y" * 400)
    state_bytes = len(seed) * 8
    sent = 0
    while sent < len(updates) and sum(map(len, updates[:sent])) < 0.45 * state_bytes:
        writer.append(doc_id, updates[sent], Author("ana"))
        sent += 1
        await writer.flush()
    async with db.read() as session:
        assert not await repo.list_snapshots(session, doc_id), "far past snapshot_every rows"
    for update in updates[sent:]:
        writer.append(doc_id, update, Author("ana"))
        await writer.flush()
    await writer.stop()
    async with db.read() as session:
        assert await repo.list_snapshots(session, doc_id), "the tail outgrew half the state"


async def test_snapshot_then_tail_equals_full_log(db: Database) -> None:
    doc_id = await new_document(db)
    typist = Typist()
    updates = typist.type("abcdefgh")
    for i, update in enumerate(updates):
        async with db.unit() as session:
            await repo.append_updates(
                session,
                [
                    {
                        "document_id": doc_id,
                        "data": update,
                        "user_id": "ana",
                        "session_id": None,
                        "created_at": utcnow(),
                    }
                ],
            )
        if i == 3:
            assert await write_snapshot(db, doc_id)
    loaded = await load_state(db, doc_id)
    assert loaded.tail == 4
    assert text_of(loaded.state) == "abcdefgh"
    async with db.read() as session:
        ids = [r.id for r in await repo.updates_after(session, doc_id, 0)]
    assert text_of((await load_state(db, doc_id, ids[1])).state) == "ab"
    assert text_of((await load_state(db, doc_id, ids[5])).state) == "abcdef"
    assert not await write_snapshot(db, "no-such-document")


async def test_failed_write_is_retried_in_order(db: Database, tmp_path: Path) -> None:
    doc_id = await new_document(db)
    writer = UpdateWriter(db, batch_ms=5, snapshot_every=1000)
    updates = Typist().type("xyz")
    writer.append(doc_id, updates[0], Author("ana"))
    writer.append("missing-document", updates[1], Author("ana"))  # violates the foreign key
    with pytest.raises(IntegrityError):
        await writer._write_all()
    assert not writer.is_persisted(doc_id)
    writer._queue = [p for p in writer._queue if p.document_id == doc_id]
    writer._unwritten.pop("missing-document")
    writer.append(doc_id, updates[1], Author("ana"))
    writer.append(doc_id, updates[2], Author("ana"))
    await writer._write_all()
    assert writer.is_persisted(doc_id)
    assert text_of((await load_state(db, doc_id)).state) == "xyz"


async def test_old_snapshots_are_pruned_and_history_still_rebuilds(db: Database) -> None:
    from salon.documents import persist

    doc_id = await new_document(db)
    typist = Typist()
    ids = []
    for update in typist.type("x" * (persist.SNAPSHOTS_KEPT + 5)):
        async with db.unit() as session:
            await repo.append_updates(
                session,
                [
                    {
                        "document_id": doc_id,
                        "data": update,
                        "user_id": "ana",
                        "session_id": None,
                        "created_at": utcnow(),
                    }
                ],
            )
        assert await write_snapshot(db, doc_id)
    async with db.read() as session:
        snapshots = await repo.list_snapshots(session, doc_id)
        ids = [r.id for r in await repo.updates_after(session, doc_id, 0)]
    assert len(snapshots) == persist.SNAPSHOTS_KEPT
    assert text_of((await load_state(db, doc_id, ids[1])).state) == "xx"  # older than any kept
