"""Open a Salon document as a live ``pycrdt.Doc``, kept in sync over the y-socket.io protocol.

    async with DocumentClient(url, room_id, "notes", token=token) as live:
        text = live.doc.get("content", type=pycrdt.Text)
        text += "hello"          # sent to the server and every other client
        await live.flushed()     # wait until it left this process

It speaks exactly what the npm ``SocketIOProvider`` speaks (sync-step-1 both ways with acks,
sync-update, awareness-update), so it interoperates with browser clients. Reconnects resync.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import pycrdt
import socketio

log = logging.getLogger("salon_client.document")

REMOTE = "remote"


class DocumentClient:
    def __init__(
        self,
        url: str,
        room_id: str,
        name: str,
        *,
        token: str | None = None,
        guest_name: str | None = None,
        doc: pycrdt.Doc[Any] | None = None,
        user: dict[str, Any] | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.namespace = f"/yjs|{room_id}/{name}"
        self.auth: dict[str, Any] = {"token": token} if token else {"guest": {"name": guest_name}}
        self.doc: pycrdt.Doc[Any] = doc if doc is not None else pycrdt.Doc()
        self.awareness = pycrdt.Awareness(self.doc)
        if user is not None:
            self.awareness.set_local_state({"user": user})
        self.errors: list[dict[str, Any]] = []
        self.sio = socketio.AsyncClient(reconnection=True, reconnection_delay=0.2)
        self._synced = asyncio.Event()
        self._got_server_step1 = False
        self._outbox: list[bytes] = []
        self._wake = asyncio.Event()
        self._sent = asyncio.Event()
        self._sent.set()
        self._sender: asyncio.Task[None] | None = None
        self._applying_remote = False
        self._closed = False
        self._doc_sub = self.doc.observe(self._on_local_update)
        self._aw_sub = self.awareness.observe(self._on_awareness_change)
        self._register()

    # --- lifecycle -------------------------------------------------------------------------

    async def connect(self, within: float = 10.0) -> DocumentClient:
        self._sender = asyncio.create_task(self._send_loop())
        try:
            await self.sio.connect(
                self.url,
                namespaces=[self.namespace],
                auth=self.auth,
                transports=["websocket"],
                wait_timeout=within,
            )
            await asyncio.wait_for(self._synced.wait(), within)
        except BaseException:
            await self.close()  # a refused or stalled connection leaves nothing running
            raise
        return self

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            await self.flushed(within=2.0)
        if self._sender is not None:
            self._sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sender
        await self.sio.disconnect()
        self.doc.unobserve(self._doc_sub)
        self.awareness.unobserve(self._aw_sub)

    async def __aenter__(self) -> DocumentClient:
        return await self.connect()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def synced(self) -> bool:
        return self._synced.is_set()

    async def wait_synced(self, within: float = 10.0) -> None:
        await asyncio.wait_for(self._synced.wait(), within)

    async def flushed(self, within: float = 10.0) -> None:
        """Wait until every local change so far has been handed to the socket."""
        await asyncio.wait_for(self._sent.wait(), within)

    def text(self, field: str = "content") -> pycrdt.Text:
        text: pycrdt.Text = self.doc.get(field, type=pycrdt.Text)
        return text

    # --- protocol --------------------------------------------------------------------------

    def _register(self) -> None:
        ns = self.namespace
        self.sio.on("connect", self._on_connect, namespace=ns)
        self.sio.on("disconnect", self._on_disconnect, namespace=ns)
        self.sio.on("sync-step-1", self._on_server_step1, namespace=ns)
        self.sio.on("sync-update", self._on_remote_update, namespace=ns)
        self.sio.on("awareness-update", self._on_remote_awareness, namespace=ns)
        self.sio.on("doc:error", self._on_error, namespace=ns)

    async def _on_connect(self) -> None:
        await self.sio.emit(
            "sync-step-1", self.doc.get_state(), namespace=self.namespace, callback=self._on_step2
        )
        if self.awareness.get_local_state() is not None:
            await self._emit_awareness([self.awareness.client_id])

    def _on_disconnect(self, reason: Any = None) -> None:
        self._synced.clear()
        self._got_server_step1 = False
        others = [c for c in self.awareness.states if c != self.awareness.client_id]
        self.awareness.remove_awareness_states(others, REMOTE)

    def _on_step2(self, update: Any = None) -> None:
        if isinstance(update, bytes):
            self._apply_remote(update)
        self._synced.set()

    def _on_server_step1(self, state_vector: bytes) -> bytes:
        return self.doc.get_update(state_vector)

    def _on_remote_update(self, update: bytes) -> None:
        self._apply_remote(update)

    def _apply_remote(self, update: bytes) -> None:
        # TransactionEvent carries no origin, so mark the span in which changes are remote.
        self._applying_remote = True
        try:
            self.doc.apply_update(update)
        finally:
            self._applying_remote = False

    def _on_remote_awareness(self, data: bytes) -> None:
        self.awareness.apply_awareness_update(data, REMOTE)

    def _on_error(self, payload: dict[str, Any]) -> None:
        self.errors.append(payload)
        log.warning("document %s refused %s", self.namespace, payload)

    # --- outbound --------------------------------------------------------------------------

    def _on_local_update(self, event: pycrdt.TransactionEvent) -> None:
        if self._applying_remote:
            return
        self._outbox.append(event.update)
        self._sent.clear()
        self._wake.set()

    def _on_awareness_change(self, topic: str, change: tuple[dict[str, Any], Any]) -> None:
        details, origin = change
        if topic != "update" or origin == REMOTE or not self.sio.connected:
            return
        ids = details["added"] + details["updated"] + details["removed"]
        task = asyncio.get_running_loop().create_task(self._emit_awareness(ids))
        task.add_done_callback(lambda t: t.exception() if not t.cancelled() else None)

    async def _emit_awareness(self, client_ids: list[int]) -> None:
        data = self.awareness.encode_awareness_update(client_ids)
        await self.sio.emit("awareness-update", data, namespace=self.namespace)

    async def _send_loop(self) -> None:
        """One sender keeps local updates in order; bursts go out merged."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            if not self._outbox:
                continue
            batch, self._outbox = self._outbox, []
            update = batch[0] if len(batch) == 1 else pycrdt.merge_updates(*batch)
            try:
                await self.sio.emit("sync-update", update, namespace=self.namespace)
            except asyncio.CancelledError:
                raise
            except Exception:
                # Not connected: the sync-step-1 exchange on reconnect carries it instead.
                log.debug("update not sent; it will resync on reconnect")
            if not self._outbox:
                self._sent.set()
