"""The Socket.IO server of one node: connection auth, per-socket state, and the Notifier
that domain services use to reach clients."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import engineio
import socketio
from pydantic import BaseModel

from salon import PROTOCOL_VERSION
from salon.bus import Bus
from salon.core.admission import Admission
from salon.core.auth import Identity
from salon.core.config import Settings
from salon.core.errors import SalonError
from salon.core.metrics import Metrics
from salon.core.payloads import parse
from salon.realtime import fastpath, jsonlib
from salon.realtime.fastpath import engineio_ws
from salon.realtime.pending import PendingConnections
from salon.realtime.pubsub import BusManager

log = logging.getLogger("salon.realtime")

P = TypeVar("P", bound=BaseModel)
CONNECT_TIMEOUT = "connect_timeout"  # the disconnect reason of a socket that never connected
Ack = dict[str, Any]


@dataclass(slots=True)
class Client:
    sid: str
    identity: Identity
    rooms: set[str] = field(default_factory=set)
    # Rooms this socket was put out of while connected, and why (removed, not_member): its
    # next action there answers that code instead of a bare not_joined.
    evicted: dict[str, str] = field(default_factory=dict)
    address: str = "?"  # the peer's address, as per-address limits and bans count it

    def require_joined(self, room_id: str) -> None:
        if room_id in self.rooms:
            return
        code = self.evicted.get(room_id)
        if code is not None:
            raise SalonError(code, "you no longer have access to this room")
        raise SalonError("not_joined", "join the room first")


def room_channel(room_id: str) -> str:
    return f"room:{room_id}"


def user_channel(user_id: str) -> str:
    return f"user:{user_id}"


class SalonServer(socketio.AsyncServer):  # type: ignore[misc]
    """python-socketio with changes on hot or hostile paths."""

    def __init__(
        self, *args: Any, connect_timeout: float = 10.0, pending_per_address: int = 20, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.pending = PendingConnections(connect_timeout, pending_per_address)

    async def _handle_eio_connect(self, eio_sid: str, environ: dict[str, Any]) -> Any:
        # Every Engine.IO connection must connect a namespace within the connect timeout, and
        # one address may have only so many that have not (see ``pending``).
        address = client_address(environ)
        if not self.pending.admit(eio_sid, address, self._connect_timed_out):
            log.warning("refusing a connection from %s: too many not connected yet", address)
            return False
        return await super()._handle_eio_connect(eio_sid, environ)

    async def _handle_connect(self, eio_sid: str, namespace: str | None, data: Any) -> None:
        await super()._handle_connect(eio_sid, namespace, data)
        sid = self.manager.sid_from_eio_sid(eio_sid, namespace or "/")
        if sid is not None and self.manager.is_connected(sid, namespace or "/"):
            self.pending.settle(eio_sid)

    async def _handle_disconnect(
        self, eio_sid: str, namespace: str | None, reason: Any = None
    ) -> None:
        await super()._handle_disconnect(eio_sid, namespace, reason)
        # A connection that left its last namespace has no identity again: the clock restarts.
        sock = self.eio.sockets.get(eio_sid)
        environ = self.environ.get(eio_sid)
        if sock is None or sock.closing or sock.closed or environ is None:
            return
        if any(self.manager.sid_from_eio_sid(eio_sid, ns) for ns in self.manager.get_namespaces()):
            return
        if not self.pending.admit(eio_sid, client_address(environ), self._connect_timed_out):
            self._connect_timed_out(eio_sid)

    async def _handle_eio_disconnect(self, eio_sid: str, reason: Any = None) -> None:
        await super()._handle_eio_disconnect(eio_sid, reason)
        self.pending.settle(eio_sid)

    def _connect_timed_out(self, eio_sid: str) -> None:
        sock = self.eio.sockets.get(eio_sid)
        if sock is None:
            return
        log.info("closing %s: no Socket.IO CONNECT within the connect timeout", eio_sid)
        if engineio_ws.patches.installed:
            engineio_ws.drop(sock, CONNECT_TIMEOUT)
        else:
            self.start_background_task(self.eio.disconnect, eio_sid)

    def _engineio_server_class(self) -> type[engineio.AsyncServer]:
        return engineio_ws.EngineServer

    @property
    def handle_request(self) -> Any:
        # The ASGI app awaits this for a connection's whole life; engine.io's own method
        # directly keeps one coroutine frame fewer per connection (socketio only forwards).
        return self.eio.handle_request

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        # python-socketio logs a packet it cannot decode and keeps the socket open, with no
        # way to answer it. A client that sends garbage is broken or hostile: close that
        # socket only. Errors of the handlers themselves are not the packet's fault.
        try:
            await super()._handle_eio_message(eio_sid, data)
        except ValueError as exc:  # undecodable, unexpected binary or unknown packet types
            await self._close_undecodable(eio_sid, exc)

    async def _handle_event(self, eio_sid: str, namespace: str | None, id: Any, data: Any) -> None:
        # The one gate every client event passes, on every namespace: what is not an ordinary
        # event of the protocol reaches the catch-all handler as a ``Refused`` (see there).
        await super()._handle_event(eio_sid, namespace, id, screen_event(data))

    async def _close_undecodable(self, eio_sid: str, exc: Exception) -> None:
        cause = exc.__cause__ if isinstance(exc, UndecodablePacket) else exc
        log.warning("closing %s: undecodable packet (%s)", eio_sid, type(cause).__name__)
        self._binary_packet.pop(eio_sid, None)
        await self.eio.disconnect(eio_sid)

    async def broadcast_local(
        self, event: str, data: Any, namespace: str, skip: Sequence[str] = ()
    ) -> None:
        """Emit to every socket of ``namespace`` on this node, skipping ``skip``."""
        skipped = set(skip)
        recipients = [
            eio_sid
            for sid, eio_sid in self.manager.get_participants(namespace, None)
            if sid not in skipped
        ]
        await self.deliver(recipients, namespace, [event, data])

    async def deliver(self, eio_sids: Sequence[str], namespace: str, data: list[Any]) -> None:
        """One event to many engine.io sockets of this node: encoded and framed once, written
        to each socket directly (see ``engineio_ws``), with no task per recipient."""
        if not eio_sids:
            return
        encoded = self.packet_class(socketio.packet.EVENT, namespace=namespace, data=data).encode()
        packets = [
            engineio.packet.Packet(engineio.packet.MESSAGE, part)
            for part in (encoded if isinstance(encoded, list) else [encoded])
        ]
        sockets = self.eio.sockets
        await engineio_ws.deliver(
            [sock for sock in map(sockets.get, eio_sids) if sock is not None], packets
        )


class LocalDelivery(socketio.AsyncManager):  # type: ignore[misc]
    """Room emits reach this node's sockets through ``SalonServer.deliver``: python-socketio
    creates a task per recipient and packet, and waits for all of them."""

    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str,
        room: str | None = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: str | None = None,
        **kwargs: Any,
    ) -> None:
        if callback is not None or not isinstance(self.server, SalonServer):
            await super().emit(
                event, data, namespace, room, skip_sid, callback=callback, to=to, **kwargs
            )
            return
        if namespace not in self.rooms:
            return
        skipped = set(skip_sid if isinstance(skip_sid, list) else [skip_sid])
        recipients = [
            eio_sid
            for sid, eio_sid in self.get_participants(namespace, to or room)
            if sid not in skipped
        ]
        args = list(data) if isinstance(data, tuple) else [data] if data is not None else []
        await self.server.deliver(recipients, namespace, [event, *args])


class SharedDelivery(BusManager, LocalDelivery):
    """Room emits cross nodes over the shared bus; this node's part as ``LocalDelivery``
    (python-socketio's pub/sub manager hands it the local part of every emit)."""


class UndecodablePacket(ValueError):
    """A packet that does not decode, whatever the decoder raised (see ``OrjsonPacket``)."""


# Names python-socketio dispatches to the server's own lifecycle and catch-all handlers: an
# EVENT packet carrying one would run ``disconnect`` (or ``connect``) while the socket stays.
LIFECYCLE_EVENTS = frozenset({"connect", "disconnect", "connect_error", "message", "*"})
MAX_EVENT_NAME = 100


@dataclass(frozen=True, slots=True)
class Refused:
    """Stands in for the name of an event refused before dispatch. No JSON decodes to it, so
    a client cannot forge one; the catch-all handlers answer with its error."""

    error: SalonError
    name: str = "?"

    def __str__(self) -> str:
        return f"refused {self.name!r}"


def screen_event(data: Any) -> Any:
    """``data`` of an EVENT packet if it is an ordinary event, else ``[Refused(...)]``."""
    if not isinstance(data, list) or not data:
        return [Refused(SalonError("bad_request", "an event is a name and its arguments"))]
    name = data[0]
    if isinstance(name, Refused):
        return data
    if not isinstance(name, str) or not name or len(name) > MAX_EVENT_NAME:
        return [Refused(SalonError("bad_request", "an event name is a short string"))]
    if name in LIFECYCLE_EVENTS:
        return [Refused(SalonError("unknown_event", f"{name!r} is not an event"), name)]
    if len(data) > 2:  # every event of both protocols takes one payload (the ack is no argument)
        return [Refused(SalonError("bad_request", "an event carries one payload"), name)]
    return data


class OrjsonPacket(socketio.packet.Packet):  # type: ignore[misc]
    """Packets of this server only: ``json=`` on the server would swap the codec of every
    Socket.IO client and server in the process (a class attribute of the shared Packet).
    Decoding failures of any kind surface as ``UndecodablePacket``, so the server tells them
    from handler errors without decoding each packet twice."""

    json = jsonlib

    def decode(self, encoded_packet: Any) -> Any:
        try:
            return super().decode(encoded_packet)
        except jsonlib.InvalidJson as exc:
            if self.packet_type != socketio.packet.EVENT:
                # A binary event's attachments would follow with nothing to attach them to.
                raise UndecodablePacket(str(exc)) from exc
            # The header (namespace, ack id) was read: the event can be answered bad_request.
            self.data = [Refused(SalonError("bad_request", f"the payload is {exc}"))]
            return 0
        except Exception as exc:
            raise UndecodablePacket(str(exc)[:200]) from exc


def create_server(settings: Settings, bus: Bus) -> socketio.AsyncServer:
    fastpath.install()
    # An unshared bus would only echo each emit back to this node: deliver locally, no round trip.
    manager = SharedDelivery(bus) if bus.shared else LocalDelivery()
    return SalonServer(
        async_mode="asgi",
        namespaces="*",
        client_manager=manager,
        serializer=OrjsonPacket,
        cors_allowed_origins=settings.cors_origins or [],
        max_http_buffer_size=settings.max_payload_bytes,
        http_compression=settings.ws_compression,
        ping_interval=settings.ping_interval,
        ping_timeout=settings.ping_timeout,
        max_outgoing_bytes=settings.max_outgoing_bytes,
        connect_timeout=settings.connect_timeout,
        pending_per_address=settings.pending_connections_per_address,
    )


class Hub:
    """Socket.IO server + who is connected here. Implements salon.notifier.Notifier."""

    def __init__(
        self,
        sio: socketio.AsyncServer,
        authenticate: Callable[[Any], Identity],
        metrics: Metrics,
        settings: Settings,
    ) -> None:
        self.sio = sio
        self.metrics = metrics
        self.settings = settings
        self._admission = Admission.for_events(settings)
        self._authenticate = authenticate
        metrics.track(metrics.ws_direct, lambda: engineio_ws.counts.direct)
        metrics.track(metrics.ws_queued, lambda: engineio_ws.counts.queued)
        metrics.track(metrics.ws_slow_readers, lambda: engineio_ws.counts.slow_readers)
        metrics.track(metrics.ws_silent, lambda: engineio_ws.counts.silent)
        if isinstance(sio, SalonServer):
            pending = sio.pending
            metrics.track(metrics.connect_timeouts, lambda: pending.expired)
            metrics.track(metrics.pending_refused, lambda: pending.refused)
        self.clients: dict[str, Client] = {}
        self.on_connect: list[Callable[[Client], Awaitable[None]]] = []
        self.on_disconnect: list[Callable[[Client], Awaitable[None]]] = []
        # Checks of who may connect at all (bans), after authentication: raise SalonError.
        self.gates: list[Callable[[Identity, str], None]] = []
        sio.on("connect", self._connect, namespace="/")
        sio.on("disconnect", self._disconnect, namespace="/")
        sio.on("*", self._unknown, namespace="/")

    # -- Notifier ----------------------------------------------------------------------------

    async def room_event(self, room_id: str, event: str, payload: dict[str, Any]) -> None:
        await self._emit(event, payload, room_channel(room_id))

    async def user_event(self, user_id: str, event: str, payload: dict[str, Any]) -> None:
        await self._emit(event, payload, user_channel(user_id))

    async def _emit(self, event: str, payload: dict[str, Any], room: str) -> None:
        # What was accepted is already stored; a failed broadcast must not turn the ack into
        # an error. Clients that missed it catch up by sequence number when they rejoin.
        try:
            await self.sio.emit(event, payload, room=room)
        except Exception:
            log.exception("broadcast of %s failed", event)

    # -- connection lifecycle ----------------------------------------------------------------

    async def _connect(self, sid: str, environ: dict[str, Any], auth: Any) -> None:
        address = client_address(environ)
        try:
            self._admission.connect(address)
            check_protocol(auth)
            identity = self._authenticate(auth)
            for gate in self.gates:
                gate(identity, address)
            self._check_connection_quota(identity)
        except SalonError as exc:
            self.metrics.errors.labels(exc.code).inc()
            # Socket.IO clients see err.message and err.data = {code, message}.
            error = exc.to_dict()["error"]
            raise socketio.exceptions.ConnectionRefusedError(exc.message, error) from None
        client = Client(sid, identity, address=address)
        self.clients[sid] = client
        await self.sio.enter_room(sid, user_channel(identity.user_id))
        for callback in self.on_connect:
            await callback(client)
        await self.sio.emit(
            "session",
            {
                "user_id": identity.user_id,
                "name": identity.name,
                "guest": identity.is_guest,
                "protocol": PROTOCOL_VERSION,
            },
            to=sid,
        )

    async def _disconnect(self, sid: str, reason: Any = None) -> None:
        client = self.clients.pop(sid, None)
        if client is None:
            return
        for callback in self.on_disconnect:
            try:
                await callback(client)
            except Exception:
                log.exception("disconnect callback failed")

    async def _unknown(self, event: str | Refused, sid: str, *args: Any) -> Ack:
        error = refusal_of(event)
        self.metrics.errors.labels(error.code).inc()
        return error.to_dict()

    def _own_sids(self, user_id: str) -> list[str]:
        """This node's "/" sockets of one user: the members of their user channel (a scan of
        every client per connect showed in the chat benchmark's profile)."""
        members = self.sio.manager.rooms.get("/", {}).get(user_channel(user_id))
        return list(members or ())

    def _check_connection_quota(self, identity: Identity) -> None:
        mine = len(self._own_sids(identity.user_id))
        if mine >= self.settings.connections_per_user:
            raise SalonError("limit_reached", "too many connections for this user")

    def joined(self, room_id: str, user_id: str | None = None) -> dict[str, list[Client]]:
        """This node's "/" clients in a room (of one user, or of everyone), by user id."""
        members = self.sio.manager.rooms.get("/", {}).get(room_channel(room_id)) or ()
        found: dict[str, list[Client]] = {}
        for sid in list(members):
            client = self.clients.get(sid)
            if client is not None and user_id in (None, client.identity.user_id):
                found.setdefault(client.identity.user_id, []).append(client)
        return found

    async def throttle(self, client: Client) -> None:
        """Every event counts against its socket; a socket that is banned gets disconnected."""
        refusal = self._admission.message(client.sid)
        if refusal is None:
            return
        if refusal.disconnect:
            log.warning(
                "disconnecting %s (user %s): event flood", client.sid, client.identity.user_id
            )
            await self.sio.disconnect(client.sid)
        raise refusal.error

    # -- handler plumbing --------------------------------------------------------------------

    def handle(
        self, event: str, model: type[P], action: Callable[[Client, P], Awaitable[Ack]]
    ) -> None:
        """Register ``event``: parse the payload into ``model``, run ``action``, ack the result."""

        counter = self.metrics.events.labels(event)
        timer = self.metrics.event_seconds.labels(event)

        async def handler(sid: str, data: Any = None) -> Ack:
            counter.inc()
            with timer.time():
                return await run(sid, data)

        async def run(sid: str, data: Any) -> Ack:
            client = self.clients.get(sid)
            try:
                if client is None:
                    raise SalonError("unauthenticated", "not connected")
                await self.throttle(client)
                return {"ok": True, **await action(client, parse(model, data))}
            except SalonError as exc:
                self.metrics.errors.labels(exc.code).inc()
                return exc.to_dict()
            except Exception:
                log.exception("handler for %s failed", event)
                self.metrics.errors.labels("internal").inc()
                return SalonError("internal", "the server could not do that").to_dict()

        self.sio.on(event, handler, namespace="/")


def refusal_of(event: str | Refused) -> SalonError:
    """What a catch-all handler answers: the screened-out event's error, or unknown_event."""
    if isinstance(event, Refused):
        return event.error
    return SalonError("unknown_event", f"unknown event {event[:60]!r}")


def client_address(environ: dict[str, Any]) -> str:
    """The address per-address limits and bans count: the peer as the ASGI server reports it.
    `salon serve` has uvicorn replace the peer by the X-Forwarded-For client only when the peer
    is one of ``SALON_TRUSTED_PROXIES``; the raw header is never read here, so a client cannot
    name its own address."""
    scope = environ.get("asgi.scope") or {}
    client = scope.get("client")
    return str(client[0]) if client else str(environ.get("REMOTE_ADDR", "?"))


def check_protocol(auth: Any) -> None:
    version = auth.get("protocol", PROTOCOL_VERSION) if isinstance(auth, dict) else PROTOCOL_VERSION
    if version != PROTOCOL_VERSION:
        raise SalonError(
            "unsupported_protocol",
            f"this server speaks protocol {PROTOCOL_VERSION}",
            supported=[PROTOCOL_VERSION],
        )
