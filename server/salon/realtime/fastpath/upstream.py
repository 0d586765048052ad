"""What the fast path was written against: the tested library versions, and every upstream
attribute it replaces, copies, wraps or relies on, with the sha256 of its source.

The hashes are sha256 (first 16 hex digits) of ``inspect.getsource(...)`` at the versions
in ``TESTED``. None means "must exist" (a class, module or value the patches subclass, import
or read, whose behaviour is pinned method by method instead). After an upgrade, re-check and
re-bless as docs/performance.md describes ("The guarded fast path"):
``python -m salon.realtime.fastpath`` prints what differs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VersionRange:
    """A distribution and the versions the fast path is tested with: ``low <= v < below``."""

    dist: str
    low: str
    below: str

    @property
    def spec(self) -> str:
        return f">={self.low},<{self.below}"


TESTED = (
    VersionRange("python-engineio", "4.15.1", "4.16"),
    VersionRange("python-socketio", "5.18.1", "5.19"),
    VersionRange("uvicorn", "0.54.0", "0.55"),
    VersionRange("websockets", "17.4", "17.5"),
)

_SOCKET = "engineio.async_socket:AsyncSocket"
_ASGI = "engineio.async_drivers.asgi"
_SANSIO = "uvicorn.protocols.websockets.websockets_sansio_impl:WebSocketsSansIOProtocol"

SOURCES: dict[str, str | None] = {
    # engineio_ws replaces these methods of every engine.io socket ...
    f"{_SOCKET}.poll": "826f58a9f3606db2",
    f"{_SOCKET}.send": "0437276ccba7ab09",
    f"{_SOCKET}.schedule_ping": "fe316639159cd70d",
    f"{_SOCKET}.check_ping_timeout": "77616d5ca7809257",
    f"{_SOCKET}._websocket_handler": "27f120df4d717a24",
    # ... whose behaviour depends on these, which it calls or reimplements (the timer ping)
    f"{_SOCKET}._send_ping": "67db82a704ea49d0",
    f"{_SOCKET}.receive": "a91ae36ec2fb5340",
    f"{_SOCKET}.close": "faa2e93902543244",
    f"{_SOCKET}.handle_get_request": "05eaae9f0a60d9be",
    f"{_SOCKET}._upgrade_websocket": "820b83efe96adb98",
    # EngineServer: LightQueue for create_queue, and the ASGI driver's entries, copied
    "engineio:AsyncServer": None,
    "engineio:AsyncServer.create_queue": "5ff5673a0c017681",
    f"{_ASGI}:_async": None,
    f"{_ASGI}:translate_request": "39e74733f1fe46aa",
    f"{_ASGI}:WebSocket.__call__": "abbf7a49b2256d37",
    f"{_ASGI}:WebSocket.wait": "0346a1c9ebdafdff",
    f"{_ASGI}:WebSocket.send": "0af97629973f3c51",
    f"{_ASGI}:WebSocket.close": "75c3d8a915e5430c",
    "engineio.packet:Packet.encode": "8f3d5d869711cbb8",
    "engineio.exceptions:QueueEmpty": None,
    "engineio.exceptions:UnknownPacketError": None,
    "engineio.exceptions:SocketIsClosedError": None,
    # SalonServer (realtime/hub.py) plugs EngineServer in through this method
    "socketio.async_server:AsyncServer._engineio_server_class": "199c42bf149247e0",
    # ...and wraps these two: undecodable packets close their socket, every event is screened
    "socketio.async_server:AsyncServer._handle_eio_message": "bef50fc0e1635921",
    "socketio.async_server:AsyncServer._handle_event": "65178105ef8b593d",
    # ...and these four, to time out and bound connections that never connect a namespace
    # (realtime/pending.py)
    "socketio.async_server:AsyncServer._handle_eio_connect": "76704886d944a7e6",
    "socketio.async_server:AsyncServer._handle_connect": "c97c480cf777de36",
    "socketio.async_server:AsyncServer._handle_eio_disconnect": "9344593148b66fd9",
    "socketio.async_server:AsyncServer._handle_disconnect": "c0b32ada5b371230",
    # uvicorn_ws subclasses uvicorn's protocol; engineio_ws writes to its transport directly,
    # reading the state its __init__ sets up and that send() keeps
    _SANSIO: None,
    f"{_SANSIO}.__init__": "631dcd744eab875f",
    f"{_SANSIO}.receive": "1dc0e715390021a1",
    f"{_SANSIO}.start_keepalive": "6d83bdbc3db82b86",
    f"{_SANSIO}.send": "d4919ed760ce9f7b",
    f"{_SANSIO}.send_receive_event_to_app": "a2b10de91477dc1d",
    f"{_SANSIO}.pause_writing": "4830f7e0d81f877d",
    f"{_SANSIO}.resume_writing": "ef79384e5fff077c",
    "uvicorn._types:ASGIReceiveEvent": None,
    # engineio_ws.frame reimplements server-side (unmasked) framing; conn.extensions says
    # whether compression was negotiated
    "websockets.frames:Frame.serialize": "2aeba0b89df2e975",
    "websockets.protocol:Protocol.__init__": "76c731b216eb0941",
}
