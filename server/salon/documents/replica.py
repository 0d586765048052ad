"""Several nodes, one document: replicate accepted updates to the other nodes over the bus.

A node validates, logs and replicates what its own clients send; other nodes that have the
document loaded apply it and fan it out to *their* sockets (Socket.IO emits stay node-local).
Bus messages are fire-and-forget, so a node also re-reads the archive shortly after loading a
document (updates still in another node's write batch) and after the bus reconnects. Yjs
updates are idempotent, so catching up twice is harmless.

Every node that applies a replicated update also makes sure it reaches the log: ``audit_s``
after hearing it (well past the sender's write batch) the node compares it with the archive and
logs whatever the archive still lacks. That is what keeps the last edits of a node killed
between fan-out and commit: its peers applied them, and now one of them logs them. The part
logged is cut at the archive's state vector, so a struct (Yjs client + clock) the sender did
commit is not written again; only a race of two auditors, or a sender slower than ``audit_s``,
writes one twice, which a Yjs load ignores.

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
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

import pycrdt

from salon.bus import Bus
from salon.core.loops import BatchLoop
from salon.documents.manager import DocManager
from salon.documents.persist import load_state, unlogged
from salon.documents.room import Author, DocRoom

log = logging.getLogger(__name__)

CHANNEL = "docs"
UPDATE, AWARENESS, QUERY, CLOSED = b"U", b"A", b"Q", b"C"
# Long past the sender's write batch (20 ms by default) and its retries after a blip.
AUDIT_S = 2.0


@dataclass(slots=True)
class _Heard:
    """A replicated update this node applied and has not yet checked against the log."""

    at: float
    room_id: str
    update: bytes


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
    def __init__(
        self, bus: Bus, manager: DocManager, catch_up_s: float = 0.5, audit_s: float = AUDIT_S
    ) -> None:
        self.bus = bus
        self.manager = manager
        self.node_id = bus.node_id
        self.catch_up_s = catch_up_s
        self.audit_s = audit_s
        self._heard: dict[str, list[_Heard]] = {}
        self._audit_task: asyncio.Task[None] | None = None
        self._audit_failing = False
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
        self._audit_task = asyncio.create_task(self._audit_loop(), name="doc-replica-audit")

    async def stop(self) -> None:
        if self._audit_task is not None:
            self._audit_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._audit_task
        # What peers sent in the last moments may be all that is left of a dead peer's edits:
        # check it now, while the writer still runs (it stops after us and flushes).
        with contextlib.suppress(Exception):
            await self.audit(until=time.monotonic())
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
            self._heard.setdefault(document_id, []).append(
                _Heard(time.monotonic(), room.room_id, payload)
            )

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
        # Twice: now, and once more after what peers had in their write batches is committed.
        for _ in range(2):
            for room in list(self.manager.rooms.values()):
                await self._catch_up(room)
            await asyncio.sleep(self.catch_up_s)

    # --- the audit: replicated updates reach the log ---------------------------------------

    async def _audit_loop(self) -> None:
        while True:
            await asyncio.sleep(self.audit_s / 2)
            try:
                await self.audit(until=time.monotonic() - self.audit_s)
                if self._audit_failing:
                    log.warning("document replica audit works again")
                self._audit_failing = False
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # An archive outage: the heard updates are kept and checked next round.
                if not self._audit_failing:
                    log.warning("document replica audit failed (%s); retrying", exc)
                self._audit_failing = True

    async def audit(self, until: float) -> int:
        """Log what the archive lacks of the replicated updates heard before ``until``;
        returns how many documents needed it."""
        repaired = 0
        for document_id in list(self._heard):
            heard = self._heard.get(document_id, [])
            due = [h for h in heard if h.at <= until]
            if not due:
                continue
            self._heard[document_id] = heard[len(due) :]
            try:
                repaired += await self._audit_one(document_id, due)
            except BaseException:
                self._heard[document_id] = due + self._heard.get(document_id, [])
                raise
            if not self._heard[document_id]:
                del self._heard[document_id]
        return repaired

    async def _audit_one(self, document_id: str, due: list[_Heard]) -> int:
        merged = pycrdt.merge_updates(*(h.update for h in due)) if len(due) > 1 else due[0].update
        archived = (await load_state(self.manager.db, document_id)).state
        missing = unlogged(archived, merged)
        if missing is None:
            return 0
        room_id = due[-1].room_id
        author = Author(None, self.manager.session_of(room_id))
        self.manager.writer.append(document_id, missing, author)
        log.info("logged %d bytes of %s that its sender never committed", len(missing), document_id)
        return 1

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
