"""The y-socket.io document protocol on namespaces ``/yjs|<room id>/<doc name>``.

Matches the npm ``y-socket.io`` server so its unchanged ``SocketIOProvider`` works: on connect
the server sends ``sync-step-1`` (its state vector; the ack carries what the client has that we
lack) and then ``awareness-update`` with every known state. Handlers stay thin: the document room
validates and applies; the manager's flush loop does the fan-out through ``SocketTransport``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from typing import Any

import socketio

from salon.core.admission import Admission, RateLimiter
from salon.core.auth import Identity
from salon.core.errors import SalonError
from salon.documents.room import Author, Client, DocRoom
from salon.documents.service import DocumentService
from salon.realtime.hub import (
    Hub,
    Refused,
    SalonServer,
    check_protocol,
    client_address,
    refusal_of,
)
from salon.services import Services

log = logging.getLogger("salon.realtime.yjs")

PREFIX = "/yjs|"
ERROR_EVENT = "doc:error"
CONNECT_WAIT_S = 2.0
RESYNC_EVERY_S = 1.0


class SocketTransport:
    """The manager's Transport over python-socketio: one encode per emit, many recipients."""

    def __init__(self, sio: socketio.AsyncServer) -> None:
        self.sio = sio

    # ignore_queue: document sockets are reached node-locally; other nodes get the update
    # through salon.docs.replica and fan it out to their own sockets.

    async def broadcast(self, namespace: str, event: str, data: bytes, skip: Sequence[str]) -> None:
        if isinstance(self.sio, SalonServer):
            await self.sio.broadcast_local(event, data, namespace, skip)
            return
        await self.sio.emit(
            event, data, namespace=namespace, skip_sid=list(skip) or None, ignore_queue=True
        )

    async def send(self, namespace: str, sid: str, event: str, data: bytes) -> None:
        await self.sio.emit(event, data, to=sid, namespace=namespace, ignore_queue=True)

    async def disconnect(self, namespace: str, sid: str) -> None:
        await self.sio.disconnect(sid, namespace=namespace, ignore_queue=True)


def parse_namespace(namespace: str) -> tuple[str, str]:
    room_id, slash, name = namespace.removeprefix(PREFIX).partition("/")
    if not namespace.startswith(PREFIX) or not slash or not room_id or not name:
        raise SalonError("not_found", "document namespaces are /yjs|<room id>/<doc name>")
    return room_id, name


def documents_of(s: Services) -> DocumentService:
    documents = s.documents
    return documents


def register(hub: Hub, s: Services) -> None:
    YjsHandlers(hub.sio, s).install()


class YjsHandlers:
    def __init__(self, sio: socketio.AsyncServer, s: Services) -> None:
        self.sio = sio
        self.s = s
        self.documents = documents_of(s)
        self.rooms_by_sid: dict[str, DocRoom] = {}
        self.identities: dict[str, Identity] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._last_resync: dict[str, float] = {}
        self._resync_due: set[str] = set()
        self._admission = Admission.for_documents(s.settings)
        self._full_state = RateLimiter(
            s.settings.doc_full_state_rate, s.settings.doc_full_state_burst, "full-state requests"
        )

    def _track_metrics(self) -> None:
        metrics = self.s.metrics
        manager = self.documents.manager
        metrics.track(metrics.documents, lambda: len(manager.rooms))
        metrics.track(metrics.persist_lag, manager.writer.lag)

    def install(self) -> None:
        self._track_metrics()
        for event, handler in (
            ("connect", self.connect),
            ("disconnect", self.disconnect),
            ("sync-step-1", self.sync_step_1),
            ("sync-update", self.sync_update),
            ("awareness-update", self.awareness_update),
        ):
            self.sio.on(event, handler, namespace="*")
        self.sio.on("*", self.unknown, namespace="*")
        self.s.rooms.on_rights_change(self.rights_changed)
        self.s.bans.on_change(self.bans_changed)

    # --- connection ------------------------------------------------------------------------

    async def connect(self, namespace: str, sid: str, environ: Any, auth: Any = None) -> None:
        try:
            address = client_address(environ)
            self._admission.connect(address)
            room_id, name = parse_namespace(namespace)
            check_protocol(auth)
            who = self.s.auth.from_handshake(auth)
            self.s.bans.check_server(who.user_id, address)
            _, role = await self.s.rooms.enter(room_id, who)
            role = await self.documents.live_role(room_id, role)
            room = await self.documents.open(room_id, name, who, role)
        except SalonError as exc:
            # Same shape as "/": err.message is text, err.data = {code, message}.
            error = exc.to_dict()["error"]
            raise socketio.exceptions.ConnectionRefusedError(exc.message, error) from None
        room.join(Client(sid, namespace, who.user_id, role))
        self.rooms_by_sid[sid] = room
        self.identities[sid] = who
        # The CONNECT packet is sent after this handler returns; sync must follow it.
        self._spawn(self._start_sync(namespace, sid, room))

    async def _start_sync(self, namespace: str, sid: str, room: DocRoom) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CONNECT_WAIT_S
        while not self.sio.manager.is_connected(sid, namespace):
            if loop.time() > deadline or sid not in self.rooms_by_sid:
                return
            await asyncio.sleep(0.001)

        try:
            await self._send_step1(namespace, sid, room)
            await self.sio.emit(
                "awareness-update",
                room.awareness_snapshot(),
                to=sid,
                namespace=namespace,
                ignore_queue=True,
            )
        except Exception:
            log.exception("starting sync on %s failed", namespace)

    async def _send_step1(self, namespace: str, sid: str, room: DocRoom) -> None:
        """Our state vector; the client's ack brings everything we lack."""

        def on_reply(update: Any = None) -> None:
            self._apply_reply(namespace, sid, room, update)

        self._last_resync[sid] = asyncio.get_running_loop().time()
        await self.sio.emit(
            "sync-step-1",
            room.state_vector(),
            to=sid,
            namespace=namespace,
            callback=on_reply,
            ignore_queue=True,
        )

    def _request_resync(self, namespace: str, sid: str, room: DocRoom) -> None:
        """An edit was dropped (gap, flood): ask the client again instead of losing its work
        until it reconnects. At most once per RESYNC_EVERY_S per socket, and always once more
        after the last drop, so the final edits of a burst come back too."""
        if sid in self._resync_due:
            return
        wait = self._last_resync.get(sid, 0.0) + RESYNC_EVERY_S - asyncio.get_running_loop().time()
        self._resync_due.add(sid)
        self._spawn(self._resync(namespace, sid, room, max(0.0, wait)))

    async def _resync(self, namespace: str, sid: str, room: DocRoom, wait: float) -> None:
        await asyncio.sleep(wait)
        self._resync_due.discard(sid)
        if self.rooms_by_sid.get(sid) is room:
            await self._send_step1(namespace, sid, room)

    def _apply_reply(self, namespace: str, sid: str, room: DocRoom, update: Any) -> None:
        client = room.clients.get(sid)
        if client is None or not client.can_edit:
            return  # a viewer's copy may hold nothing we accept; ignore it quietly
        try:
            room.apply(update, Author(client.user_id), sid)
        except SalonError as exc:
            self._report(namespace, sid, "sync-step-1", exc)

    async def disconnect(self, namespace: str, sid: str, reason: Any = None) -> None:
        room = self.rooms_by_sid.pop(sid, None)
        self.identities.pop(sid, None)
        self._last_resync.pop(sid, None)
        self._full_state.forget(sid)
        if room is not None:
            room.leave(sid)

    # --- messages --------------------------------------------------------------------------

    def _admit(self, namespace: str, sid: str, event: str) -> bool:
        """Every message counts against its socket; a socket that keeps flooding is closed."""
        self.s.metrics.events.labels(event).inc()
        refusal = self._admission.message(sid)
        if refusal is None:
            return True
        if refusal.disconnect:
            log.warning("disconnecting %s on %s: message flood", sid, namespace)
            self._spawn(self.sio.disconnect(sid, namespace=namespace, ignore_queue=True))
        else:
            self._report(namespace, sid, event, refusal.error)
        return False

    async def sync_step_1(self, namespace: str, sid: str, state_vector: Any = None) -> Any:
        room = self.rooms_by_sid.get(sid)
        if room is None or not self._admit(namespace, sid, "sync-step-1"):
            return None
        try:
            if not isinstance(state_vector, bytes):
                raise SalonError("bad_request", "a state vector must be binary")
            # Each answer can be the whole document: a socket may ask only so often.
            self._full_state.check(sid)
            return room.missing_for(state_vector)
        except SalonError as exc:
            self._report(namespace, sid, "sync-step-1", exc)
            return None

    async def sync_update(self, namespace: str, sid: str, update: Any = None) -> None:
        room = self.rooms_by_sid.get(sid)
        client = room.clients.get(sid) if room is not None else None
        if room is None or client is None:
            return
        if not self._admit(namespace, sid, "sync-update"):
            if client.can_edit:
                self._request_resync(namespace, sid, room)  # the dropped edit comes back
            return
        try:
            if not client.can_edit:
                raise SalonError("forbidden", f"a {client.role} cannot change documents")
            room.apply_edit(client, update)
            self.s.metrics.doc_updates.inc()
        except SalonError as exc:
            self._report(namespace, sid, "sync-update", exc)
            if exc.details.get("resync"):
                self._request_resync(namespace, sid, room)

    async def awareness_update(self, namespace: str, sid: str, data: Any = None) -> None:
        room = self.rooms_by_sid.get(sid)
        if room is None or not self._admit(namespace, sid, "awareness-update"):
            return
        try:
            room.apply_awareness(data, sid)
        except SalonError as exc:
            self._report(namespace, sid, "awareness-update", exc)

    async def unknown(self, event: str | Refused, namespace: str, sid: str, *args: Any) -> None:
        if sid in self.rooms_by_sid:
            name = event.name if isinstance(event, Refused) else event[:60]
            self._report(namespace, sid, name, refusal_of(event))

    def _report(self, namespace: str, sid: str, event: str, exc: SalonError) -> None:
        """Tell only the sender what was refused; fire-and-forget keeps handlers synchronous."""
        self.s.metrics.errors.labels(exc.code).inc()
        payload = {"event": event, **exc.to_dict()["error"]}
        self._spawn(
            self.sio.emit(ERROR_EVENT, payload, to=sid, namespace=namespace, ignore_queue=True)
        )

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- role changes ----------------------------------------------------------------------

    async def rights_changed(self, room_id: str, user_id: str | None) -> None:
        """Re-apply the room's rules to every open document socket of the room (or of one
        user), as at connect: who may no longer enter is told why and disconnected; the others
        act with their new role, read-only once the room is archived."""
        for room in list(self.documents.manager.rooms.values()):
            if room.room_id != room_id:
                continue
            for client in list(room.clients.values()):
                who = self.identities.get(client.sid)
                if who is None or user_id not in (None, client.user_id):
                    continue
                role = await self.s.rooms.role_of(room_id, who)
                if role is None:
                    await self._shut_out(client, await self.s.rooms.refusal(room_id, who))
                else:
                    client.role = await self.documents.live_role(room_id, role)

    async def bans_changed(
        self, room_id: str | None, user_id: str | None, address: str | None
    ) -> None:
        """A server ban closes every document socket of the person or address on this node."""
        if room_id is not None:
            return
        for room in list(self.documents.manager.rooms.values()):
            for client in list(room.clients.values()):
                environ = self.sio.get_environ(client.sid, namespace=client.namespace) or {}
                peer = client_address(environ)
                if client.user_id != user_id and (address is None or peer != address):
                    continue
                ban = self.s.bans.server_ban(client.user_id, peer)
                if ban is not None:
                    await self._shut_out(client, ban.refusal())

    async def _shut_out(self, client: Client, refusal: SalonError) -> None:
        payload = {"event": "access", **refusal.to_dict()["error"]}
        await self.sio.emit(
            ERROR_EVENT, payload, to=client.sid, namespace=client.namespace, ignore_queue=True
        )
        await self.sio.disconnect(client.sid, namespace=client.namespace, ignore_queue=True)
