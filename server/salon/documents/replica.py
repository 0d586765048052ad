"""Several nodes, one document: replicate accepted updates to the other nodes over the bus.

A node validates, logs and replicates what its own clients send; other nodes that have the
document loaded apply it and fan it out to *their* sockets (Socket.IO emits stay node-local).
Bus messages are fire-and-forget, so a node also re-reads the archive shortly after loading a
document (updates still in another node's write batch) and after the bus reconnects. Yjs
updates are idempotent, so catching up twice is harmless.

Awareness changes made by a node's sockets travel the same way; that node owns those clientIDs
on the others, and its disconnect removals reach them like any other awareness change.

A node that loads a document asks its peers (``Q``) for the awareness states they hold for it.

Frame: kind byte (``U`` update, ``A`` awareness, ``Q`` awareness query, ``C`` closed),
varstring node id, varstring document id, payload.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

import pycrdt

from salon.bus import Bus
from salon.core.loops import BatchLoop
from salon.documents.manager import DocManager
from salon.documents.persist import load_state
from salon.documents.room import DocRoom

log = logging.getLogger(__name__)

CHANNEL = "docs"
UPDATE, AWARENESS, QUERY, CLOSED = b"U", b"A", b"Q", b"C"


def _var_string(value: str) -> bytes:
    raw = value.encode()
    return bytes([len(raw)]) + raw  # ids are short; one length byte is enough


def encode_frame(kind: bytes, node_id: str, document_id: str, payload: bytes = b"") -> bytes:
    return kind + _var_string(node_id) + _var_string(document_id) + payload


def decode_frame(frame: bytes) -> tuple[bytes, str, str, bytes]:
    kind, pos = frame[:1], 1
    fields = []
    for _ in range(2):
        length = frame[pos]
        fields.append(frame[pos + 1 : pos + 1 + length].decode())
        pos += 1 + length
    return kind, fields[0], fields[1], frame[pos:]


class DocReplicator:
    def __init__(self, bus: Bus, manager: DocManager, catch_up_s: float = 0.5) -> None:
        self.bus = bus
        self.manager = manager
        self.node_id = bus.node_id
        self.catch_up_s = catch_up_s
        self._outbox: dict[str, list[bytes]] = {}
        # One bus message per document and fan-out window.
        self._loop = BatchLoop(
            "doc-replicate",
            self._publish_all,
            manager.limits.flush_ms / 1000,
            log=log,
            failure="document replication publish failed; peers will catch up",
        )
        self._wake = self._loop.wake
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self.bus.subscribe(CHANNEL, self._on_message)
        self.bus.on_reconnect(self._catch_up_all)
        self._loop.start()

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with contextlib.suppress(Exception):
            await self._loop.stop()  # the log has them anyway; this only saves a catch-up

    # --- Replication (called synchronously by the manager) ---------------------------------

    def updated(self, document_id: str, update: bytes) -> None:
        self._outbox.setdefault(document_id, []).append(update)
        self._wake()

    def loaded(self, room: DocRoom) -> None:
        self._spawn(self.bus.publish(CHANNEL, encode_frame(QUERY, self.node_id, room.document_id)))
        self._spawn(self._catch_up_later(room))

    def awareness(self, document_id: str, data: bytes) -> None:
        frame = encode_frame(AWARENESS, self.node_id, document_id, data)
        self._spawn(self.bus.publish(CHANNEL, frame))

    def closed(self, document_id: str) -> None:
        self._spawn(self.bus.publish(CHANNEL, encode_frame(CLOSED, self.node_id, document_id)))

    # --- outbound --------------------------------------------------------------------------

    async def _publish_all(self) -> None:
        outbox, self._outbox = self._outbox, {}
        for document_id, updates in outbox.items():
            merged = updates[0] if len(updates) == 1 else pycrdt.merge_updates(*updates)
            await self.bus.publish(CHANNEL, encode_frame(UPDATE, self.node_id, document_id, merged))

    # --- inbound ---------------------------------------------------------------------------

    async def _on_message(self, frame: bytes) -> None:
        kind, node_id, document_id, payload = decode_frame(frame)
        if node_id == self.node_id:
            return
        if kind == CLOSED:
            await self.manager.close_document(document_id, replicate=False)
            return
        room = self.manager.rooms.get(document_id)
        if room is None or room.closed:
            return  # not loaded here: it will load from the archive when someone opens it
        if kind == QUERY:
            self.awareness(document_id, room.local_awareness())
        elif kind == AWARENESS:
            room.apply_replicated_awareness(payload, node_id)
        else:
            room.apply_replicated(payload)

    async def _catch_up_later(self, room: DocRoom) -> None:
        await asyncio.sleep(self.catch_up_s)
        await self._catch_up(room)

    async def _catch_up(self, room: DocRoom) -> None:
        if room.closed:
            return
        try:
            state = (await load_state(self.manager.db, room.document_id)).state
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("catching up document %s failed", room.document_id)
            return
        if not room.closed:
            room.apply_replicated(state)

    async def _catch_up_all(self) -> None:
        for room in list(self.manager.rooms.values()):
            await self._catch_up(room)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
