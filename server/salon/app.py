"""The composition root: ``build_services`` constructs every service with its collaborators,
``running`` owns their lifecycle, ``create_app`` puts REST and Socket.IO into one ASGI app.

Construction order is the start order; stopping runs in reverse (an ``AsyncExitStack``), so a
part is always stopped before the parts it was built on."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, TypeVar

import socketio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from salon import api, realtime
from salon import web as web_client
from salon.bus import create_bus
from salon.chat.crashpoint import CrashPoint
from salon.chat.service import ChatService
from salon.core.admission import RateLimiter
from salon.core.auth import TokenAuthority
from salon.core.config import Settings
from salon.core.identity import NodeIdentity
from salon.core.metrics import Metrics
from salon.documents.notes import DocumentsAdapter
from salon.documents.service import DocumentService
from salon.network.activity import Activity
from salon.network.calendar import CalendarService
from salon.network.delivery import WebhookSender
from salon.network.feed import FeedService
from salon.network.follows import FollowService
from salon.network.inbox import InboxService
from salon.network.reminders import Reminders
from salon.network.webhooks import WebhookService
from salon.qa.experts import ExpertService
from salon.qa.kb import KnowledgeService
from salon.qa.queue import QueueService
from salon.qa.service import QAService
from salon.qa.suggest import SuggestService
from salon.realtime import fastpath
from salon.realtime.hub import Hub, create_server
from salon.realtime.yjs import SocketTransport
from salon.replay.service import ReplayService
from salon.rooms.bans import BanService
from salon.rooms.hands import RaisedHands
from salon.rooms.presence import PresenceService
from salon.rooms.service import RoomService
from salon.search.semantic.stage import semantic_stage
from salon.search.service import SearchService
from salon.services import Lifecycle, Services
from salon.sessions.exports import ExportService
from salon.sessions.live import LiveSessions
from salon.sessions.recorder import Recorder, TimelineTap
from salon.sessions.service import SessionService
from salon.sessions.timeline import Timeline
from salon.store.db import Database

log = logging.getLogger("salon.app")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]

P = TypeVar("P", bound=Lifecycle)


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
    """Every service of one node, each given what it needs; nothing is wired afterwards."""
    parts: list[Lifecycle] = []

    def owned(part: P) -> P:
        parts.append(part)
        return part

    identity = owned(NodeIdentity(settings.data_dir, settings.node_id))
    node_id = identity.node_id
    metrics = Metrics()
    db = owned(
        Database(
            settings.resolved_database_url(),
            connect_timeout=settings.db_connect_timeout,
            statement_timeout=settings.db_statement_timeout,
            sqlite_synchronous=settings.sqlite_synchronous,
        )
    )
    bus = owned(create_bus(settings.redis_url, node_id, settings.redis_prefix))
    auth = TokenAuthority(settings)
    hub = Hub(create_server(settings, bus), auth.from_handshake, metrics, settings)
    live = owned(LiveSessions(db, bus))
    timeline = Timeline(db)
    # The archive's recording comes first: rooms and chat write their timeline events and
    # search entries through it, inside their own units of work.
    recorder = Recorder(timeline, live)
    # Bans load before anyone is admitted; rooms treat a room ban as a change of rights.
    bans = owned(BanService(db, bus))
    rooms = owned(RoomService(settings, db, bus, recorder, bans))
    # Presence events of live sessions go on their timeline.
    presence = owned(
        PresenceService(
            TimelineTap(hub, recorder),
            bus,
            settings.presence_grace,
            metrics,
            replaces=identity.replaces,
            hands=RaisedHands(db),
        )
    )
    inbox = InboxService(db, hub, rooms)
    # CrashPoint reads SALON_TEST_CRASH_AT (tests only, unset in production) here, at the root.
    # Chat and Q&A budgets are per person on all nodes together when Redis is configured.
    buckets = bus.bucket_store()
    chat = owned(ChatService(settings, db, rooms, hub, recorder, CrashPoint(), inbox, buckets))
    # Chat others sent while the bus was down never reached this node's sockets.
    bus.on_reconnect(lambda: chat.announce_heads(presence.local_rooms()))
    transport = SocketTransport(hub.sio)
    documents = owned(DocumentService.build(settings, db, rooms, bus, transport, live.of))
    notes = DocumentsAdapter(documents, live.of)
    follows = FollowService(db, rooms, inbox)
    feed = FeedService(db, follows)
    # Webhooks leave from the outbox, after their unit of work, never from the live path.
    sender = owned(WebhookSender(settings, db))
    activity = Activity(inbox, sender)
    owned(Reminders(settings, db, inbox))
    sessions = SessionService(db, rooms, hub, timeline, presence, notes, live, activity)
    # Q&A changes other nodes broadcast while the bus was down: clients fetch them by seq.
    bus.on_reconnect(lambda: sessions.announce_heads(presence.local_rooms()))
    # Questions, votes and answers share one bucket per person and room, sized like chat.
    qa_limiter = RateLimiter(
        settings.chat_rate, settings.chat_burst, "questions, votes and answers", store=buckets
    )
    # Optional (settings.search_semantic): embeds Q&As in the background, after the database.
    semantic = semantic_stage(db, settings.search_semantic, settings.search_model_dir)
    if semantic is not None:
        owned(semantic)
    search = SearchService(db, settings.search_language, semantic)
    suggest = SuggestService(db, rooms, search, hub)
    qa = QAService(db, rooms, hub, inbox, notes, qa_limiter, activity, suggest)
    services = Services(
        settings=settings,
        node_id=node_id,
        metrics=metrics,
        db=db,
        bus=bus,
        auth=auth,
        bans=bans,
        rooms=rooms,
        presence=presence,
        chat=chat,
        documents=documents,
        live=live,
        timeline=timeline,
        sessions=sessions,
        qa=qa,
        notifications=inbox,
        follows=follows,
        feed=feed,
        calendar=CalendarService(db, rooms, feed),
        webhooks=WebhookService(settings, db, rooms),
        search=search,
        experts=ExpertService(db),
        queue=QueueService(db, rooms, hub),
        suggest=suggest,
        kb=KnowledgeService(db, rooms),
        exports=ExportService(db, sessions, qa, timeline),
        replay=ReplayService(db, sessions, documents.limits.text_field),
        parts=tuple(parts),
    )
    metrics.track(metrics.connections, lambda: len(hub.clients))
    metrics.track(metrics.rooms, presence.rooms_of_this_node)
    metrics.track(metrics.fastpath_active, lambda: float(fastpath.active()))
    realtime.register_all(hub, services)
    return services, hub


@asynccontextmanager
async def running(services: Services) -> AsyncIterator[Services]:
    """Start every part in construction order; on exit stop them in reverse, each even when
    another failed to stop (a node must still flush its document log)."""
    async with AsyncExitStack() as stack:
        for part in services.parts:
            await part.start()
            stack.push_async_callback(_stop, part)
        log.info("node %s ready", services.node_id)
        yield services
    log.info("node %s stopped", services.node_id)


async def _stop(part: Lifecycle) -> None:
    try:
        await part.stop()
    except Exception:
        log.exception("stopping %s failed", type(part).__name__)


def create_app(settings: Settings) -> Any:
    services, hub = build_services(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with running(services):
            yield

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
