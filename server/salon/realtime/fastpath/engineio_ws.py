"""Engine.IO over WebSocket without a task or an encode per recipient.

python-engineio queues every outgoing packet on the socket; a writer task per socket wakes up,
encodes the packet and hands it to the ASGI server, which frames it. In document fan-out that
was the whole cost of a recipient: py-spy put the queue, the writer's wake-up, the ASGI ``send``
and uvicorn's framing at more than half of the server's CPU. WebSocket frames from a server are
not masked, so one broadcast is the same bytes for every recipient: this module frames a packet
once and writes those bytes straight to each recipient's transport.

The direct write is taken only when it cannot reorder or lose anything: the socket runs over
uvicorn's sans-I/O protocol without extensions, no writer task is sending queued packets, the
transport accepts data without back-pressure and no close frame has gone out. Otherwise the
packet takes engine.io's queue, and a writer task exists while packets wait there.

Per idle connection this also saves memory (measured with tracemalloc): no writer task, the
heartbeat is a timer instead of a task sleeping between pings, queues allocate nothing while
empty (``lightqueue``), and the reader waits without two tasks per received packet.

This patches python-engineio classes, and only through ``salon.realtime.fastpath.install()``,
which first checks the library versions and upstream sources (``guard``, ``upstream``). Until
then, or if that check fails, ``EngineServer`` and ``deliver`` behave as the stock library
(``tests/realtime/fastpath/test_engineio_ws.py`` covers the fast paths: back-pressure and
order, heartbeats, dead peers; every other test runs over it).
"""

from __future__ import annotations

import asyncio
import logging
import struct
import sys
import time
from collections.abc import Iterable
from typing import Any

import engineio
from engineio import async_socket, exceptions, packet
from engineio.async_drivers import asgi as asgi_driver

from salon.realtime.fastpath.lightqueue import LightQueue

_TEXT, _BINARY = 0x81, 0x82  # FIN + opcode
log = logging.getLogger("salon.realtime.fastpath")


class Patches:
    """What ``install`` took from the libraries. Nothing is read from them at import time, so
    this module imports even when an upgrade moved what the patches need (the guard then
    reports it and the stock path runs)."""

    installed = False
    library_send: Any = None
    library_check_ping_timeout: Any = None
    direct_protocol: Any = None  # uvicorn's sans-I/O protocol class
    websocket_class: Any = None  # engine.io's ASGI WebSocket, keeping its environ


class SendCounts:
    """Writes that went straight to a transport, packets that took the queue, and sockets
    closed because they fell too far behind (``slow_readers``) or stopped answering
    heartbeats (``silent``)."""

    direct = 0
    queued = 0
    slow_readers = 0
    silent = 0


counts = SendCounts()
patches = Patches()


def frame(data: str | bytes) -> bytes:
    """One unmasked, unfragmented server-to-client WebSocket frame."""
    if isinstance(data, str):
        payload, head = data.encode(), _TEXT
    else:
        payload, head = bytes(data), _BINARY
    n = len(payload)
    if n < 126:
        return bytes((head, n)) + payload
    if n < 65536:
        return struct.pack("!BBH", head, 126, n) + payload
    return struct.pack("!BBQ", head, 127, n) + payload


def frames(packets: Iterable[packet.Packet]) -> bytes:
    """The wire bytes of engine.io packets, as one write."""
    return b"".join(frame(p.encode()) for p in packets)


def direct_target(ws: Any) -> Any:
    """uvicorn's protocol behind engine.io's ASGI WebSocket wrapper, if it can be written to
    directly: the sans-I/O implementation with no extension (compression) negotiated."""
    proto = getattr(getattr(ws, "asgi_send", None), "__self__", None)
    if patches.direct_protocol is None or not isinstance(proto, patches.direct_protocol):
        return None
    if proto.conn.extensions:
        return None
    return proto


def try_write(sock: Any, data: bytes) -> bool:
    """Write ``data`` (whole frames) to the socket now if nothing can be overtaken."""
    proto = sock.salon_direct
    if proto is None or sock.salon_writer is not None or sock.closed or sock.queue.qsize():
        return False
    if heartbeat_overdue(sock):
        return False  # send closes it
    if proto.close_sent or proto.disconnected or not proto.writable.is_set():
        return False
    transport = proto.transport
    if transport.is_closing():
        return False
    transport.write(data)
    counts.direct += 1
    return True


def heartbeat_overdue(sock: Any) -> bool:
    return bool(sock.last_ping and time.time() - sock.last_ping > sock.server.ping_timeout)


async def deliver(sockets: Iterable[Any], packets: list[packet.Packet]) -> None:
    """Send the same engine.io packets to many sockets: framed once, written directly where
    possible, queued in order where not (always, while the fast path is not installed).
    Nothing here waits for a recipient: queueing never blocks, and a socket that is over its
    bound or silent is cut off at once (``drop``), so one stalled reader cannot hold up the
    others."""
    if not patches.installed:
        for sock in sockets:
            await _send_each(sock, packets)
        return
    data = frames(packets)
    for sock in sockets:
        if not try_write(sock, data):
            await _send_each(sock, packets)


# -- the outgoing bound --------------------------------------------------------------------


def packet_size(pkt: packet.Packet) -> int:
    """What a queued packet will cost on the wire, near enough for a bound (text counts its
    characters, not its UTF-8 bytes; structured payloads of control packets are small)."""
    data = pkt.data
    if isinstance(data, bytes | bytearray | str):
        return len(data) + 1
    return 64


def pending_bytes(sock: Any) -> int:
    """Bytes waiting for one socket: its queue, plus its connection's write buffer."""
    transport = _transport(sock)
    buffered = transport.get_write_buffer_size() if transport is not None else 0
    return int(sock.salon_pending) + int(buffered)


def over_bound(sock: Any, size: int) -> bool:
    """Whether queueing ``size`` more bytes takes the socket past the server's bound. A
    socket with nothing pending may always take one message (a full-state answer can be
    large); one that has not read what it was sent before may not."""
    bound = getattr(sock.server, "salon_max_outgoing", 0)
    if not bound:
        return False
    pending = pending_bytes(sock)
    return pending > 0 and pending + size > bound


def _transport(sock: Any) -> Any:
    """The asyncio transport under a socket's WebSocket, whichever uvicorn implementation."""
    ws = sock.salon_ws
    proto = getattr(getattr(ws, "asgi_send", None), "__self__", None)
    return getattr(proto, "transport", None)


def drop(sock: Any, reason: str) -> None:
    """Cut a socket off now, without waiting for anything: what waits for it is discarded and
    its connection aborted (a close frame would wait behind the data the peer does not read;
    with nothing backed up, the close frame is sent instead).
    Its reader then sees the connection end and closes the engine.io socket as for any lost
    connection, in its own task, with ``reason``. Idempotent."""
    if sock.salon_dropped or sock.closed:
        return
    sock.salon_dropped = True
    sock.salon_close_reason = reason
    sock.salon_direct = None
    while sock.queue.qsize():
        sock.queue.get_nowait()
        sock.queue.task_done()
    sock.salon_pending = 0
    transport = _transport(sock)
    ws = sock.salon_ws
    if transport is None or ws is None:  # long-polling: close without waiting for anything
        sock.server.start_background_task(sock.close, wait=False, abort=True, reason=reason)
    elif transport.get_write_buffer_size() == 0 and not transport.is_closing():
        # Nothing backed up: a close frame goes out at once, and the peer learns why.
        sock.server.start_background_task(ws.close)
    else:
        transport.abort()


def drop_slow_reader(sock: Any) -> None:
    if not sock.salon_dropped:
        counts.slow_readers += 1
        log.warning(
            "%s: slow reader, %d bytes waiting: disconnected (slow_reader)",
            sock.sid,
            pending_bytes(sock),
        )
    drop(sock, SLOW_READER)


SLOW_READER = "slow_reader"


async def _send_each(sock: Any, packets: list[packet.Packet]) -> None:
    for pkt in packets:
        try:
            await sock.send(pkt)
        except Exception:  # that socket is closing; the others still get theirs
            break


async def send(self: Any, pkt: packet.Packet) -> None:
    """Send a packet to the client."""
    if self.salon_direct is not None and try_write(self, frame(pkt.encode())):
        return
    if self.salon_dropped:
        return  # being cut off: nothing more is held for it
    if self.salon_ws is not None and heartbeat_overdue(self):
        _drop_silent(self)  # the library would close it here, waiting on its connection
        return
    size = packet_size(pkt)
    if over_bound(self, size):
        drop_slow_reader(self)
        return
    counts.queued += 1
    self.salon_pending += size
    await patches.library_send(self, pkt)
    if self.salon_ws is not None and self.salon_writer is None:
        self.salon_writer = asyncio.ensure_future(_writer(self, self.salon_ws))


def _drop_silent(sock: Any) -> None:
    if not sock.salon_dropped:
        counts.silent += 1
        sock.server.logger.info("%s: Client is gone, closing socket", sock.sid)
    drop(sock, sock.server.reason.PING_TIMEOUT)


async def _writer(sock: Any, ws: Any) -> None:
    """Send what waits in the queue, in order, then end: a socket has a writer task only
    while packets wait (back-pressure, upgrade, closing), not for its whole life."""
    try:
        while True:
            try:
                pkt = sock.queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            sock.queue.task_done()
            if pkt is None:  # the connection is over
                sock.salon_ws = None
                return
            sock.salon_pending = max(0, sock.salon_pending - packet_size(pkt))
            await ws.send(pkt.encode())
    except Exception:
        sock.salon_ws = None  # the connection is gone; the reader cleans up
    finally:
        sock.salon_writer = None


async def poll(self: Any) -> list[Any]:
    """Wait for packets to send to the client (long-polling)."""
    try:
        async with asyncio.timeout(self.server.ping_interval + self.server.ping_timeout):
            packets = [await self.queue.get()]
        self.queue.task_done()
    except (TimeoutError, asyncio.CancelledError):
        raise exceptions.QueueEmpty() from None
    if packets == [None]:
        return []
    while True:
        try:
            pkt = self.queue.get_nowait()
            self.queue.task_done()
            if pkt is None:
                self.queue.put_nowait(None)
                break
            packets.append(pkt)
        except asyncio.QueueEmpty:
            break
    self.salon_pending = max(0, self.salon_pending - sum(map(packet_size, packets)))
    return packets


def schedule_ping(self: Any) -> None:
    """The next heartbeat as a timer, not a task sleeping for ``ping_interval`` per socket."""
    if self.last_ping:
        self.last_ping = None
        asyncio.get_running_loop().call_later(self.server.ping_interval, _ping_due, self)


def _ping_due(sock: Any) -> None:
    if sock.closing or sock.closed:
        return
    sock.last_ping = time.time()
    ping = packet.Packet(packet.PING)
    if sock.salon_direct is None or not try_write(sock, frame(ping.encode())):
        sock.server.start_background_task(sock.send, ping)


async def _next_packet(ws: Any, max_size: int) -> Any:
    """engine.io's ``websocket_wait``: the next message's data, refusing oversized ones."""
    data = await ws.wait()
    if data and len(data) > max_size:
        raise ValueError("packet is too large")
    return data


async def websocket_handler(self: Any, ws: Any) -> None:
    """Engine.IO handler for websocket transport."""
    max_size = self.server.max_http_buffer_size
    if self.connected:
        # the socket was already connected, so this is an upgrade
        self.upgrading = True  # hold packet sends during the upgrade
        try:
            pkt = await _next_packet(ws, max_size)
        except OSError:  # pragma: no cover
            return
        decoded_pkt = packet.Packet(encoded_packet=pkt)
        if decoded_pkt.packet_type != packet.PING or decoded_pkt.data != "probe":
            self.server.logger.info("%s: Failed websocket upgrade, no PING packet", self.sid)
            self.upgrading = False
            return
        await ws.send(packet.Packet(packet.PONG, data="probe").encode())
        await self.queue.put(packet.Packet(packet.NOOP))  # end poll
        try:
            pkt = await _next_packet(ws, max_size)
        except OSError:  # pragma: no cover
            self.upgrading = False
            return
        decoded_pkt = packet.Packet(encoded_packet=pkt)
        if decoded_pkt.packet_type != packet.UPGRADE:
            self.upgraded = False
            self.server.logger.info(
                "%s: Failed websocket upgrade, expected UPGRADE packet, received %s instead.",
                self.sid,
                pkt,
            )
            self.upgrading = False
            return
        self.upgraded = True
        self.upgrading = False
    else:
        self.connected = True
        self.upgraded = True

    _forget_headers(getattr(ws, "environ", None))
    # What was queued before (during the upgrade) goes first; later packets go directly.
    self.salon_ws = ws
    self.salon_direct = direct_target(ws)
    if self.queue.qsize():
        self.salon_writer = asyncio.ensure_future(_writer(self, ws))
    self.server.logger.info("%s: Upgrade to websocket successful", self.sid)

    # The library read with a timeout per message; here a silent peer is found by the
    # heartbeat (engine.io's monitor calls check_ping_timeout, which closes the WebSocket),
    # so a waiting connection holds no timer, and reads ``receive`` directly (no wrappers).
    receive = ws.asgi_receive
    while True:
        try:
            event = await receive()
        except (Exception, asyncio.CancelledError):
            break
        if event["type"] != "websocket.receive":
            break  # connection closed by client
        data = event.get("bytes")
        if data is None:
            data = event.get("text")
        if data is None or (data and len(data) > max_size):
            break
        try:
            await self.receive(packet.Packet(encoded_packet=data))
        except exceptions.UnknownPacketError:  # pragma: no cover
            pass
        except exceptions.SocketIsClosedError:  # pragma: no cover
            self.server.logger.info("Receive error -- socket is closed")
            break
        except Exception:  # pragma: no cover
            self.server.logger.exception("Unknown receive error")

    # Handlers run as tasks (python-socketio's async_handlers). Messages that arrived with the
    # close were read without yielding: let their handlers start before the disconnect is
    # handled, or an edit sent just before closing would find its socket gone.
    await asyncio.sleep(0)
    self.salon_direct = None
    writer = self.salon_writer
    if writer is not None:
        await self.queue.put(None)  # the writer sends what is queued, then stops
        await writer
    self.salon_ws = None
    while self.queue.qsize():  # left by a failed writer: nobody will send it now
        self.queue.get_nowait()
        self.queue.task_done()  # so that close(wait=True) does not wait for it forever
    self.salon_pending = 0
    await ws.close()
    reason = self.salon_close_reason or self.server.reason.TRANSPORT_CLOSE
    await self.close(wait=False, abort=True, reason=reason)


async def check_ping_timeout(self: Any) -> bool:
    """The library's check, except that a WebSocket peer found silent is cut off at once
    (``drop``): the library would send a close packet and wait for the connection to take
    it, which a peer that stopped reading never does. That wait blocked whoever asked, the
    heartbeat monitor of every socket or a room's broadcast."""
    if self.salon_ws is not None and not self.closed and heartbeat_overdue(self):
        _drop_silent(self)
        return False
    alive: bool = await patches.library_check_ping_timeout(self)
    return alive


# What a connection's environ keeps once its WebSocket is open: engine.io has read the
# headers (CORS, upgrade) by then, and Salon's handlers use only the scope's client address.
_ENVIRON_KEPT = frozenset(
    {"REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "REMOTE_ADDR", "HTTP_ORIGIN", "HTTP_HOST"}
)


def _forget_headers(environ: dict[str, Any] | None) -> None:
    """Drop request headers an open WebSocket connection never reads again (~1.5 KiB of
    strings per connection). The dicts are shared with python-socketio and the ASGI server,
    so they are trimmed in place."""
    if not environ:
        return
    for key in [k for k in environ if k.isupper() and k not in _ENVIRON_KEPT]:
        del environ[key]
    scope = environ.get("asgi.scope")
    if isinstance(scope, dict) and scope.get("type") == "websocket":
        scope["headers"] = []


def _asgi_websocket_class() -> Any:
    """engine.io's ASGI WebSocket wrapper, keeping the environ it was opened with (made at
    install: the library class is checked to exist first)."""

    class AsgiWebSocket(asgi_driver.WebSocket):  # type: ignore[misc]
        async def __call__(self, environ: dict[str, Any]) -> Any:
            # The library's body, not a call to it: one coroutine frame less per connection.
            self.environ = environ
            self.asgi_receive = environ["asgi.receive"]
            self.asgi_send = environ["asgi.send"]
            await self.asgi_send({"type": "websocket.accept"})
            await self.handler(self)
            return ""

    return AsgiWebSocket


class EngineServer(engineio.AsyncServer):  # type: ignore[misc]
    """engine.io's server with per-socket queues that hold no memory while empty, and an ASGI
    driver that makes no garbage per request and keeps the environ of WebSockets; the stock
    server while the fast path is not installed."""

    def __init__(self, *args: Any, max_outgoing_bytes: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Most bytes waiting for one socket before it is dropped as a slow reader (0: none).
        self.salon_max_outgoing = max_outgoing_bytes
        driver: dict[str, Any] = self._async  # type: ignore[has-type]
        if patches.installed and driver.get("websocket") is asgi_driver.WebSocket:
            self._async = {
                **driver,
                "translate_request": translate_request,
                "websocket": patches.websocket_class,
            }

    def create_queue(self, *args: Any, **kwargs: Any) -> Any:
        if patches.installed:
            return LightQueue()
        return super().create_queue(*args, **kwargs)


class _Body:
    """A request body reader for engine.io's long-polling POSTs (the ASGI driver's, defined
    once instead of as a new class per request: those classes are cyclic garbage that only a
    full collection frees, ~2.4 KiB per connection until then)."""

    __slots__ = ("event", "payload", "receive")

    def __init__(self, event: dict[str, Any], receive: Any) -> None:
        self.event = event
        self.payload: bytes | None = None
        self.receive = receive

    async def read(self, length: int | None = None) -> bytes:
        if self.payload is None and self.event["type"] == "http.request":
            self.payload = self.event.get("body") or b""
            while self.event.get("more_body"):
                self.event = await self.receive()
                more = self.event["type"] == "http.request"
                if more and (length is None or len(self.payload) < length):
                    self.payload += self.event.get("body") or b""
        payload = self.payload or b""
        if length is None:
            self.payload = b""
            return payload
        self.payload = payload[length:]
        return payload[:length]


async def translate_request(scope: Any, receive: Any, send: Any) -> dict[str, Any]:
    """engine.io's ASGI ``translate_request``, line for line, with ``_Body``."""
    event = await receive()
    if event["type"] not in ["http.request", "websocket.connect"]:
        return {}
    raw_uri = scope["path"]
    query_string = ""
    if scope.get("query_string"):
        try:
            query_string = scope["query_string"].decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            raw_uri += "?" + query_string
    environ: dict[str, Any] = {
        "wsgi.input": _Body(event, receive) if event["type"] == "http.request" else None,
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.async": True,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "SERVER_SOFTWARE": "asgi",
        "REQUEST_METHOD": scope.get("method", "GET"),
        "PATH_INFO": scope["path"],
        "QUERY_STRING": query_string,
        "RAW_URI": raw_uri,
        "SCRIPT_NAME": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "0",
        "SERVER_NAME": "asgi",
        "SERVER_PORT": "0",
        "asgi.receive": receive,
        "asgi.send": send,
        "asgi.scope": scope,
    }
    for raw_name, raw_value in scope["headers"]:
        try:
            name = raw_name.upper().decode("utf-8")
            value = raw_value.decode("utf-8")
        except UnicodeDecodeError:
            continue  # skip header if it cannot be decoded
        if name == "CONTENT-TYPE":
            environ["CONTENT_TYPE"] = value
            continue
        if name == "CONTENT-LENGTH":
            environ["CONTENT_LENGTH"] = value
            continue
        key = "HTTP_" + name.replace("-", "_")
        if key in environ:
            value = f"{environ[key]},{value}"
        environ[key] = value
    environ["wsgi.url_scheme"] = environ.get("HTTP_X_FORWARDED_PROTO", "http")
    return environ


def install() -> None:
    """Patch engine.io's sockets. Call only through ``salon.realtime.fastpath.install()``,
    which checks first that everything used here exists and is unchanged."""
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

    if patches.installed:
        return
    cls = async_socket.AsyncSocket
    patches.library_send = cls.send
    patches.library_check_ping_timeout = cls.check_ping_timeout
    patches.direct_protocol = WebSocketsSansIOProtocol
    patches.websocket_class = _asgi_websocket_class()
    cls.salon_ws = None  # engine.io's ASGI WebSocket, once the socket runs over one
    cls.salon_direct = None  # uvicorn protocol written to directly, while that is safe
    cls.salon_writer = None  # the task sending queued packets, while there are any
    cls.salon_pending = 0  # bytes of the packets in its queue (see ``over_bound``)
    cls.salon_dropped = False  # being cut off (``drop``): nothing more is queued
    cls.salon_close_reason = None  # why, for the disconnect handlers
    for name, replacement in (
        ("poll", poll),
        ("send", send),
        ("schedule_ping", schedule_ping),
        ("check_ping_timeout", check_ping_timeout),
        ("_websocket_handler", websocket_handler),
    ):
        # The guard and its tests hash the library's own code, also after patching.
        setattr(replacement, "__salon_stock__", getattr(cls, name))  # noqa: B010
        setattr(cls, name, replacement)
    patches.installed = True
