"""uvicorn's sans-I/O WebSocket protocol with lighter per-connection state.

Behaviour is uvicorn's; only containers change: the receive queue and the writability event
are ``lightqueue`` types (no deques while idle), ``receive`` returns a future rather than a
coroutine, and the handshake's request and response objects (header tables of ~2.5 KiB) are
let go once the response is sent. ``salon serve`` uses it for ``SALON_WS_IMPL=auto`` and
``websockets-sansio``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn._types import ASGIReceiveEvent
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from salon.realtime.fastpath.lightqueue import LightEvent, LightQueue


class SalonWebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = LightQueue()  # type: ignore[assignment]
        self.writable = LightEvent()  # type: ignore[assignment]
        self.writable.set()

    def receive(self) -> asyncio.Future[ASGIReceiveEvent]:  # type: ignore[override]
        # A future instead of a coroutine: a connection waiting for its next message holds
        # two coroutine frames fewer. Reading resumes once the app asks for more and nothing
        # waits (uvicorn resumes right after handing a message over; this is later, not less).
        message: asyncio.Future[ASGIReceiveEvent] = self.queue.take(self.loop)  # type: ignore[attr-defined]
        if self.read_paused and self.queue.empty():
            self.read_paused = False
            self.transport.resume_reading()
        return message

    def start_keepalive(self) -> None:
        # Called right after the accepted handshake's response went out. The request also
        # lives on in websockets' parser generator, so its header table is emptied in place.
        if self.request is not None:
            self.request.headers.clear()
        self.request = None  # type: ignore[assignment]
        self.response = None  # type: ignore[assignment]
        super().start_keepalive()
