"""The services one node runs, each typed, built once by the composition root (salon.app).

The transports (realtime/, api/) receive this container; domain services never do: each gets
its collaborators as constructor arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from salon.bus import Bus
from salon.chat.service import ChatService
from salon.core.auth import TokenAuthority
from salon.core.config import Settings
from salon.core.metrics import Metrics
from salon.documents.service import DocumentService
from salon.network.calendar import CalendarService
from salon.network.feed import FeedService
from salon.network.follows import FollowService
from salon.network.inbox import InboxService
from salon.network.webhooks import WebhookService
from salon.qa.experts import ExpertService
from salon.qa.kb import KnowledgeService
from salon.qa.queue import QueueService
from salon.qa.service import QAService
from salon.qa.suggest import SuggestService
from salon.replay.service import ReplayService
from salon.rooms.bans import BanService
from salon.rooms.presence import PresenceService
from salon.rooms.service import RoomService
from salon.search.service import SearchService
from salon.sessions.exports import ExportService
from salon.sessions.live import LiveSessions
from salon.sessions.service import SessionService
from salon.sessions.timeline import Timeline
from salon.store.db import Database


class Lifecycle(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    node_id: str
    metrics: Metrics
    db: Database
    bus: Bus
    auth: TokenAuthority
    bans: BanService
    rooms: RoomService
    presence: PresenceService
    chat: ChatService
    documents: DocumentService
    live: LiveSessions
    timeline: Timeline
    sessions: SessionService
    qa: QAService
    # The inbox (qa/notifications.py keeps the NotificationService name for it).
    notifications: InboxService
    follows: FollowService
    feed: FeedService
    calendar: CalendarService
    webhooks: WebhookService
    search: SearchService
    experts: ExpertService
    queue: QueueService
    suggest: SuggestService
    kb: KnowledgeService
    exports: ExportService
    replay: ReplayService
    # What has a start/stop, in construction order: started in this order, stopped in reverse.
    parts: tuple[Lifecycle, ...]
