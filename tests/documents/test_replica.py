"""DocReplicator: two managers on one archive, joined by an in-process two-node bus."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pycrdt
import pytest

from salon.bus import Bus
from salon.documents import repository as repo
from salon.documents.awareness import AwarenessEntry, encode_update
from salon.documents.limits import DocLimits
from salon.documents.manager import DocManager
from salon.documents.replica import DocReplicator, decode_frame, encode_frame
from salon.documents.room import Author, Client
from salon.store.db import Database
from tests.documents.dbutil import archive
from tests.documents.helpers import eventually


class LinkedBus(Bus):
    """Every publish reaches every linked node, this one included (like Redis)."""

    def __init__(self, node_id: str, nodes: list[LinkedBus]) -> None:
        super().__init__(node_id)
        self.nodes = nodes
        nodes.append(self)

    async def publish(self, channel: str, message: bytes) -> None:
        for node in self.nodes:
            await node.dispatch(channel, message)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await archive(tmp_path)
    yield database
    await database.stop()


def test_frames_round_trip() -> None:
    frame = encode_frame(b"U", "node-1", "doc-ab", b"\x00\x01payload")
    assert decode_frame(frame) == (b"U", "node-1", "doc-ab", b"\x00\x01payload")


def edit(text: str) -> bytes:
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    doc.get("content", type=pycrdt.Text).insert(0, text)
    return doc.get_update()


def text(manager: DocManager, doc_id: str) -> str:
    room = manager.rooms.get(doc_id)
    return "" if room is None else str(room.doc.get("content", type=pycrdt.Text))


async def test_two_nodes_share_updates_awareness_and_deletes(db: Database) -> None:
    async with db.unit() as session:
        doc_id = (await repo.add_document(session, "room1", "notes", "ana")).id
    nodes: list[LinkedBus] = []
    managers, replicators = [], []
    for name in ("n0", "n1"):
        bus = LinkedBus(name, nodes)
        manager = DocManager(
            db,
            DocLimits(flush_ms=2, write_batch_ms=5),
            replicated=lambda m, bus=bus: DocReplicator(bus, m, catch_up_s=0.05),
        )
        replicator = manager.replication
        assert isinstance(replicator, DocReplicator)
        await manager.start()
        await replicator.start()
        managers.append(manager)
        replicators.append(replicator)
    r0 = await managers[0].open(doc_id, "room1")
    r0.apply(edit("written before node 1 loaded"), Author("ana"))
    r1 = await managers[1].open(doc_id, "room1")  # catch-up reads it from the archive
    await eventually(lambda: text(managers[1], doc_id) == "written before node 1 loaded")

    r1.join(Client("s1", "/ns", "bob", "participant"))
    r1.apply(edit("live "), Author("bob"), "s1")
    await eventually(lambda: text(managers[0], doc_id) == text(managers[1], doc_id))
    async with db.read() as session:  # logged once, by the node that accepted it
        assert len(await repo.updates_after(session, doc_id, 0)) == 2

    r1.apply_awareness(encode_update([AwarenessEntry(7, 0, {"name": "bob"})]), "s1")
    await eventually(lambda: r0.awareness.live_count == 1)
    r1.leave("s1")
    await eventually(lambda: r0.awareness.live_count == 0)

    await managers[0].close_document(doc_id)
    await eventually(lambda: doc_id not in managers[1].rooms)
    for replicator, manager in zip(replicators, managers, strict=True):
        await replicator.stop()
        await manager.stop()
    await asyncio.sleep(0)
