"""Which session is live in which room, known synchronously on every node.

The archive is the authority (``Timeline.current_session`` asks it), but some callers cannot
wait for a query: the document log stamps every update with the room's live session from
inside its flush path. So each node keeps this small map, loaded from the archive on start
and after bus outages, and kept current by the start/end messages sessions publish.
"""

from __future__ import annotations

import orjson
from sqlalchemy import select

from salon.bus import Bus
from salon.store.db import Database
from salon.store.models import LIVE, SessionRecord

CHANNEL = "sessions"


class LiveSessions:
    def __init__(self, db: Database, bus: Bus) -> None:
        self._db = db
        self._bus = bus
        self._live: dict[str, str] = {}

    def of(self, room_id: str) -> str | None:
        return self._live.get(room_id)

    async def start(self) -> None:
        self._bus.subscribe(CHANNEL, self._on_message)
        self._bus.on_reconnect(self.reload)
        await self.reload()

    async def stop(self) -> None:
        return None

    async def reload(self) -> None:
        async with self._db.read() as session:
            rows = await session.execute(
                select(SessionRecord.room_id, SessionRecord.id).where(SessionRecord.status == LIVE)
            )
            self._live = {room_id: session_id for room_id, session_id in rows}

    async def changed(self, room_id: str, session_id: str | None) -> None:
        """A session started (``session_id``) or ended (None) in the room: tell every node."""
        self._set(room_id, session_id)
        await self._bus.publish(CHANNEL, orjson.dumps({"room": room_id, "session": session_id}))

    async def _on_message(self, raw: bytes) -> None:
        message = orjson.loads(raw)
        self._set(message["room"], message.get("session"))

    def _set(self, room_id: str, session_id: str | None) -> None:
        if session_id is None:
            self._live.pop(room_id, None)
        else:
            self._live[room_id] = session_id
