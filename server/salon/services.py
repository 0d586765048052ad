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
from salon.qa.experts import ExpertService
from salon.qa.notifications import NotificationService
from salon.qa.service import QAService
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
    notifications: NotificationService
    search: SearchService
    experts: ExpertService
    exports: ExportService
    replay: ReplayService
    # What has a start/stop, in construction order: started in this order, stopped in reverse.
    parts: tuple[Lifecycle, ...]
