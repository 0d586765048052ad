"""Wires the knowledge features (sessions, Q&A, search, recognition, exports) into one node's
services, around the live-session map, timeline and recorder that chat and rooms were built
with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from salon.core.admission import RateLimiter
from salon.core.notifier import Notifier
from salon.documents.notes import DocumentsAdapter
from salon.documents.service import DocumentService
from salon.qa.experts import ExpertService
from salon.qa.notifications import NotificationService
from salon.qa.service import QAService
from salon.search.service import SearchService
from salon.services import Services
from salon.sessions.exports import ExportService
from salon.sessions.live import LiveSessions
from salon.sessions.recorder import Recorder
from salon.sessions.service import DocumentsPort, SessionService
from salon.sessions.timeline import Timeline


@dataclass(frozen=True, slots=True)
class Knowledge:
    timeline: Timeline
    recorder: Recorder
    sessions: SessionService
    qa: QAService
    search: SearchService
    experts: ExpertService
    exports: ExportService
    notifications: NotificationService


def install(
    services: Services,
    notifier: Notifier,
    live: LiveSessions,
    timeline: Timeline,
    recorder: Recorder,
) -> Knowledge:
    """Build the features and register them in ``services.extra``:
    ``timeline`` (record/current_session, for other features to log events),
    ``documents_port`` (the DocumentsPort over ``documents``, when that feature is there),
    ``recorder`` and ``knowledge`` (all of them, for the transport layers)."""

    def documents() -> DocumentsPort | None:
        port: Any = services.extra.get("documents_port")
        return port  # type: ignore[no-any-return]

    db = services.db
    services.lifecycle.append(live)
    docs = services.extra.get("documents")
    if isinstance(docs, DocumentService):
        # The document log stamps each update with the room's live session from this map.
        docs.manager.session_of = live.of
        services.extra["documents_port"] = DocumentsAdapter(docs, live)
    notifications = NotificationService(db, notifier)
    sessions = SessionService(
        db, services.rooms, notifier, timeline, services.presence, documents, live
    )
    settings = services.settings
    # Questions, votes and answers share one bucket per person and room, sized like chat.
    limiter = RateLimiter(settings.chat_rate, settings.chat_burst, "questions, votes and answers")
    qa = QAService(db, services.rooms, notifier, notifications, documents, limiter)
    knowledge = Knowledge(
        timeline=timeline,
        recorder=recorder,
        sessions=sessions,
        qa=qa,
        search=SearchService(db),
        experts=ExpertService(db),
        exports=ExportService(db, sessions, qa, timeline),
        notifications=notifications,
    )
    services.extra.update(timeline=timeline, recorder=recorder, knowledge=knowledge)
    return knowledge


def knowledge_of(services: Services) -> Knowledge:
    found: Knowledge = services.extra["knowledge"]
    return found
