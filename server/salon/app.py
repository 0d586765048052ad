"""create_app(settings): the Starlette REST app and the Socket.IO server as one ASGI app.
The lifespan owns every long-lived resource and stops them in reverse order."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import socketio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from salon import api, realtime
from salon import web as web_client
from salon.bus import create_bus
from salon.chat.service import ChatService
from salon.core.auth import TokenAuthority
from salon.core.config import Settings
from salon.core.metrics import Metrics
from salon.documents.service import DocumentService
from salon.knowledge import install as install_knowledge
from salon.realtime.hub import Hub, create_server
from salon.replay.service import ReplayService
from salon.rooms.presence import PresenceService
from salon.rooms.service import RoomService
from salon.services import Services
from salon.sessions.live import LiveSessions
from salon.sessions.recorder import Recorder, TimelineTap
from salon.sessions.timeline import Timeline
from salon.store.db import Database

log = logging.getLogger("salon.app")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    """Adds the headers every HTTP response should carry."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


def build_services(settings: Settings) -> tuple[Services, Hub]:
    node_id = settings.node_id or secrets.token_hex(4)
    db = Database(settings.resolved_database_url())
    bus = create_bus(settings.redis_url, node_id)
    auth = TokenAuthority(settings)
    metrics = Metrics()
    hub = Hub(create_server(settings), auth.from_handshake, metrics, settings)
    # The archive's recording comes first: rooms and chat write their timeline events and
    # search entries through it, inside their own units of work.
    live = LiveSessions(db, bus)
    timeline = Timeline(db)
    recorder = Recorder(timeline, live)
    rooms = RoomService(settings, db, bus, recorder)
    # Presence events of live sessions go on their timeline.
    tap = TimelineTap(hub, recorder)
    presence = PresenceService(tap, bus, settings.presence_grace, metrics)
    chat = ChatService(settings, db, rooms, hub, recorder)
    services = Services(settings, db, bus, auth, rooms, presence, chat, node_id, metrics)
    metrics.track(metrics.connections, lambda: len(hub.clients))
    metrics.track(metrics.rooms, presence.rooms_of_this_node)
    documents = DocumentService.build(settings, db, rooms, bus)  # issue 3: collaborative documents
    services.extra["documents"] = documents
    services.lifecycle.append(documents)
    # issue 4: sessions, Q&A, search, recognition
    knowledge = install_knowledge(services, hub, live, timeline, recorder)
    # issue 5: replay of ended sessions
    services.extra["replay"] = ReplayService(db, knowledge.sessions, documents.limits.text_field)
    realtime.register_all(hub, services)
    return services, hub


def create_app(settings: Settings) -> Any:
    services, hub = build_services(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await services.db.start()
        await services.bus.start()
        await services.rooms.start()
        await services.presence.start()
        for part in services.lifecycle:
            await part.start()
        log.info("node %s ready", services.node_id)
        try:
            yield
        finally:
            await stop(services)

    web = Starlette(
        # The web client's catch-all route comes last so every API route wins.
        routes=[*api.routes(services), *web_client.routes()],
        lifespan=lifespan,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                allow_headers=["authorization", "content-type"],
            ),
        ],
    )
    web.state.services = services
    return socketio.ASGIApp(hub.sio, other_asgi_app=web, socketio_path="socket.io")


async def stop(services: Services) -> None:
    """Flush and close in reverse start order; one failing part does not stop the others."""
    parts: list[Any] = [*reversed(services.lifecycle), services.presence, services.bus, services.db]
    for part in parts:
        try:
            await part.stop()
        except Exception:
            log.exception("stopping %s failed", type(part).__name__)
    log.info("node %s stopped", services.node_id)
