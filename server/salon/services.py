"""The container of long-lived services one node runs; built by app.create_app."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from salon.bus import Bus
from salon.chat.service import ChatService
from salon.core.auth import TokenAuthority
from salon.core.config import Settings
from salon.core.metrics import Metrics
from salon.rooms.presence import PresenceService
from salon.rooms.service import RoomService
from salon.store.db import Database


class Lifecycle(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


@dataclass
class Services:
    settings: Settings
    db: Database
    bus: Bus
    auth: TokenAuthority
    rooms: RoomService
    presence: PresenceService
    chat: ChatService
    node_id: str
    metrics: Metrics
    # Feature services added by later modules register here by name (documents, sessions, ...).
    extra: dict[str, Any] = field(default_factory=dict)
    # Started in order after the database and bus, stopped in reverse before them.
    lifecycle: list[Lifecycle] = field(default_factory=list)
