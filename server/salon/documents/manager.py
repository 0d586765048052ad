"""Loaded documents: load on demand (single-flight), fan out through one flush loop, unload idle.

The flush loop is the hot path. Updates applied within one ``flush_ms`` window are merged into a
single update per document and handed to the transport once for all recipients; a sender never
gets its own update back, so when several clients sent in one window each of them receives the
merge of the *others'* updates separately.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import pycrdt

from salon.core.loops import BatchLoop, Pace
from salon.documents.limits import DocLimits
from salon.documents.persist import UpdateWriter, load_state
from salon.documents.room import Author, DocRoom, Outgoing
from salon.store.db import Database

log = logging.getLogger(__name__)


class Transport(Protocol):
    """How rooms reach their sockets; implemented by the realtime layer."""

    async def broadcast(
        self, namespace: str, event: str, data: bytes, skip: Sequence[str]
    ) -> None: ...

    async def send(self, namespace: str, sid: str, event: str, data: bytes) -> None: ...

    async def disconnect(self, namespace: str, sid: str) -> None: ...


class Replication(Protocol):
    """Keeps the copies of a document on other nodes current (see replica.py)."""

    def updated(self, document_id: str, update: bytes) -> None: ...

    def loaded(self, room: DocRoom) -> None: ...

    def closed(self, document_id: str) -> None: ...

    def awareness(self, document_id: str, data: bytes) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class DocManager:
    def __init__(
        self,
        db: Database,
        limits: DocLimits,
        transport: Transport | None = None,
        session_of: Callable[[str], str | None] = lambda room_id: None,
        replicated: Callable[[DocManager], Replication] | None = None,
    ) -> None:
        """``transport`` reaches the sockets (the realtime layer's); ``session_of`` gives a
        room's live session, stamped on the log; ``replicated`` builds the replication of this
        manager's documents to other nodes (None: one node)."""
        self.db = db
        self.limits = limits
        self.writer = UpdateWriter(
            db, limits.write_batch_ms, limits.snapshot_every, limits.snapshot_tail_ratio
        )
        self.transport = transport
        self.session_of = session_of
        self.rooms: dict[str, DocRoom] = {}
        self._loading: dict[str, asyncio.Future[DocRoom]] = {}
        self._dirty: dict[DocRoom, None] = {}
        self._flusher = BatchLoop(
            "doc-flush",
            self._flush_once,
            limits.flush_ms / 1000,
            pace=Pace.SPACED,
            log=log,
            failure="document fan-out failed",
        )
        self._wake = self._flusher.wake
        self._idle_task: asyncio.Task[None] | None = None
        # Last: the replicator may read the manager's limits and rooms.
        self.replication = replicated(self) if replicated is not None else None

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        await self.writer.start()
        self._flusher.start()
        self._idle_task = asyncio.create_task(self._idle_loop(), name="doc-idle")

    async def stop(self) -> None:
        if self._idle_task is not None:
            self._idle_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._idle_task
            self._idle_task = None
        with contextlib.suppress(Exception):
            await self._flusher.stop()  # last edits still reach the other clients
        for room in list(self.rooms.values()):
            room.close()
        self.rooms.clear()
        try:
            await self.writer.stop()
        except Exception:
            log.exception("final document flush failed")

    # --- loading ---------------------------------------------------------------------------

    async def open(self, document_id: str, room_id: str) -> DocRoom:
        """The loaded room of a document; concurrent first callers share one load."""
        room = self.rooms.get(document_id)
        if room is not None and not room.closed:
            return room
        pending = self._loading.get(document_id)
        if pending is None:
            pending = asyncio.get_running_loop().create_future()
            self._loading[document_id] = pending
            try:
                pending.set_result(await self._load(document_id, room_id))
            except BaseException as exc:
                pending.set_exception(exc)
                pending.exception()  # retrieved here so a lone loader leaves no warning
                raise
            finally:
                del self._loading[document_id]
        return await asyncio.shield(pending)

    async def _load(self, document_id: str, room_id: str) -> DocRoom:
        loaded = await load_state(self.db, document_id)
        doc: pycrdt.Doc[Any] = pycrdt.Doc()
        doc.apply_update(loaded.state)
        room = DocRoom(document_id, room_id, doc, self.limits, self._applied, self._mark_dirty)
        self.rooms[document_id] = room
        self.writer.note_tail(document_id, loaded)
        if self.replication is not None:
            self.replication.loaded(room)
        log.debug("loaded document %s (%d tail updates)", document_id, loaded.tail)
        return room

    def _applied(self, room: DocRoom, update: bytes, author: Author) -> None:
        if author.session_id is None:
            author = Author(author.user_id, self.session_of(room.room_id))
        self.writer.append(room.document_id, update, author)
        if self.replication is not None:
            self.replication.updated(room.document_id, update)

    async def close_document(self, document_id: str, replicate: bool = True) -> None:
        """Drop a (deleted) document from memory and disconnect its sockets."""
        if replicate and self.replication is not None:
            self.replication.closed(document_id)
        room = self.rooms.pop(document_id, None)
        if room is None:
            return
        room.close()
        for client in list(room.clients.values()):
            if self.transport is not None:
                await self.transport.disconnect(client.namespace, client.sid)

    # --- fan-out ---------------------------------------------------------------------------

    def _mark_dirty(self, room: DocRoom) -> None:
        self._dirty[room] = None
        self._wake()

    async def _flush_once(self) -> None:
        dirty, self._dirty = list(self._dirty), {}
        for room in dirty:
            out = room.take_outgoing()
            if out and self.transport is not None:
                await self._send(room, out)
            elif out.awareness_local and self.replication is not None:
                local = room.awareness.encode(list(out.awareness_local))
                self.replication.awareness(room.document_id, local)

    async def _send(self, room: DocRoom, out: Outgoing) -> None:
        namespaces = list(room.namespaces)
        if out.updates:
            await self._send_updates(room, out.updates, namespaces)
        if out.awareness_local and self.replication is not None:
            local = room.awareness.encode(list(out.awareness_local))
            self.replication.awareness(room.document_id, local)
        if out.awareness_ids:
            data = room.awareness.encode(list(out.awareness_ids))
            senders = out.awareness_senders
            # An echo of one's own awareness is ignored by y-protocols; skip it when cheap.
            skip = [s for s in senders if s is not None] if len(senders) == 1 else []
            for namespace in namespaces:
                await self._transport.broadcast(namespace, "awareness-update", data, skip)
            room.awareness.forget_removed()

    async def _send_updates(
        self, room: DocRoom, updates: list[tuple[str | None, bytes]], namespaces: list[str]
    ) -> None:
        senders = {sender for sender, _ in updates if sender is not None}
        merged = _merge([u for _, u in updates])
        for namespace in namespaces:
            await self._transport.broadcast(namespace, "sync-update", merged, sorted(senders))
        if len(updates) == 1:
            return
        for sender in senders:
            client = room.clients.get(sender)
            others = [u for s, u in updates if s != sender]
            if client is not None and others:
                await self._transport.send(client.namespace, sender, "sync-update", _merge(others))

    @property
    def _transport(self) -> Transport:
        assert self.transport is not None
        return self.transport

    # --- memory ----------------------------------------------------------------------------

    async def _idle_loop(self) -> None:
        interval = max(0.05, min(self.limits.idle_unload_s / 4, 5.0))
        while True:
            await asyncio.sleep(interval)
            try:
                self.unload_idle()
            except Exception:
                log.exception("idle document unload failed")

    def unload_idle(self, now: float | None = None) -> list[str]:
        """Unload documents nobody has open, idle long enough, and fully written."""
        now = time.monotonic() if now is None else now
        unloaded = []
        for document_id, room in list(self.rooms.items()):
            idle = now - room.last_active >= self.limits.idle_unload_s
            if not room.clients and idle and self.writer.is_persisted(document_id):
                room.close()
                del self.rooms[document_id]
                self._dirty.pop(room, None)
                self.writer.forget(document_id)
                unloaded.append(document_id)
        if unloaded:
            log.debug("unloaded idle documents %s", unloaded)
        return unloaded


def _merge(updates: list[bytes]) -> bytes:
    return updates[0] if len(updates) == 1 else pycrdt.merge_updates(*updates)
