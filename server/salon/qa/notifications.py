"""Things a user must learn of even when they were away: stored, pushed at once to any socket
they have open, and pushed again on their next connect until a client acknowledges them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.core.notifier import Notifier
from salon.sessions import repository as repo
from salon.store.db import Database
from salon.store.models import Notification, utcnow

EVENT = "notification"


def notification_dict(n: Notification) -> dict[str, Any]:
    return {"id": n.id, "kind": n.kind, "data": n.data, "created_at": n.created_at.isoformat()}


class NotificationService:
    def __init__(self, db: Database, notifier: Notifier) -> None:
        self._db = db
        self._notifier = notifier

    async def add(
        self, session: AsyncSession, user_id: str, kind: str, data: dict[str, Any]
    ) -> Notification:
        """Store inside the caller's unit of work; ``push`` it once that unit has committed."""
        note = Notification(user_id=user_id, kind=kind, data=data)
        session.add(note)
        await session.flush()
        return note

    async def push(self, notes: list[Notification]) -> None:
        for note in notes:
            await self._notifier.user_event(note.user_id, EVENT, notification_dict(note))

    async def pending(self, user_id: str) -> list[dict[str, Any]]:
        async with self._db.read() as session:
            return [notification_dict(n) for n in await repo.undelivered(session, user_id)]

    async def deliver(self, user_id: str) -> None:
        """On connect: resend everything not yet acknowledged."""
        async with self._db.read() as session:
            notes = list(await repo.undelivered(session, user_id))
        await self.push(notes)

    async def ack(self, user_id: str, ids: list[int]) -> int:
        if not ids:
            return 0
        async with self._db.unit() as session:
            result = await session.execute(
                update(Notification)
                .where(
                    Notification.user_id == user_id,
                    Notification.id.in_(ids),
                    Notification.delivered_at.is_(None),
                )
                .values(delivered_at=utcnow())
            )
        return int(getattr(result, "rowcount", 0) or 0)
