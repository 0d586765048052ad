"""Reminds a session's network that it starts soon: every few seconds each node looks for
scheduled sessions starting within the lead time; the node whose reminder row is inserted
first (the session id is its primary key) sends it, so each session is reminded once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from salon.core.config import Settings
from salon.core.loops import report_failure
from salon.network import feed
from salon.network.activity import followers
from salon.network.inbox import InboxService
from salon.store.db import Database
from salon.store.models import (
    SCHEDULED,
    Notification,
    Room,
    SessionExpert,
    SessionRecord,
    SessionReminder,
    utcnow,
)

log = logging.getLogger("salon.network.reminders")


class Reminders:
    def __init__(self, settings: Settings, db: Database, inbox: InboxService) -> None:
        self._settings = settings
        self._db = db
        self._inbox = inbox
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="session-reminders")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            try:
                await self.round()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                report_failure(log, "sending session reminders failed; trying again", error)
            await asyncio.sleep(self._settings.reminder_interval)

    async def round(self) -> int:
        now = utcnow()
        soon = now + timedelta(seconds=self._settings.reminder_lead)
        reminded = select(SessionReminder.session_id)
        async with self._db.read() as s:
            due = list(
                await s.scalars(
                    select(SessionRecord.id).where(
                        SessionRecord.status == SCHEDULED,
                        SessionRecord.starts_at.is_not(None),
                        SessionRecord.starts_at > now,
                        SessionRecord.starts_at <= soon,
                        SessionRecord.id.not_in(reminded),
                    )
                )
            )
        sent = 0
        for session_id in due:
            notes = await self._remind(session_id)
            await self._inbox.push(notes)
            sent += 1 if notes is not None else 0
        return sent

    async def _remind(self, session_id: str) -> list[Notification]:
        try:
            async with self._db.unit() as s:
                s.add(SessionReminder(session_id=session_id))
                await s.flush()  # another node reminding the same session fails here
                rec = await s.get(SessionRecord, session_id)
                room = await s.get(Room, rec.room_id) if rec is not None else None
                if rec is None or room is None:
                    return []
                experts = list(
                    await s.scalars(
                        select(SessionExpert.user_id).where(SessionExpert.session_id == rec.id)
                    )
                )
                keys = feed.session_keys(rec, room, experts)
                targets = [tuple(k.split(":", 1)) for k in sorted(keys)]
                people = await followers(s, [(kind, target) for kind, target in targets])
                data = {
                    "room_id": rec.room_id,
                    "session_id": rec.id,
                    "title": rec.title,
                    "room_title": room.title,
                    "starts_at": rec.starts_at.isoformat() if rec.starts_at else None,
                }
                return await self._inbox.add_many(s, people, "session.soon", data)
        except IntegrityError:
            return []
