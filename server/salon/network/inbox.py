"""The notifications inbox: stored inside the unit of work of what caused it, pushed to every
socket of the person on any node once that unit committed, read (one, all) and caught up by
id on reconnect. Preferences switch kinds off; notes about a room the person cannot see (then
or now) are never stored, pushed or listed.

``add`` + ``push`` keep the shape ``qa`` and other domains call: ``add`` inside the unit of
work, ``push`` the returned notes after it committed."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, inspect, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.core.errors import SalonError
from salon.core.notifier import Notifier
from salon.network.access import can_see, person
from salon.network.kinds import KINDS, link
from salon.rooms.service import RoomService
from salon.store.db import Database
from salon.store.models import Notification, NotificationPreference, User, utcnow

log = logging.getLogger("salon.network.inbox")

EVENT = "inbox:notification"
READ_EVENT = "inbox:read"
# People named in a batched note ("Ann, Bo and 3 others"); ids kept to count each once.
SHOWN_ACTORS, COUNTED_ACTORS = 3, 500


def note_dict(n: Notification) -> dict[str, Any]:
    return {
        "id": n.id,
        "kind": n.kind,
        "data": n.data,
        "room_id": n.room_id,
        "created_at": n.created_at.isoformat(),
        "read": n.read_at is not None,
        "read_at": n.read_at.isoformat() if n.read_at else None,
        "link": link(n.kind, n.data),
    }


def _pending(note: Notification) -> bool:
    """False for the unsaved stand-in ``add`` returns when a note was not wanted."""
    return not inspect(note).transient


class InboxService:
    def __init__(self, db: Database, notifier: Notifier, rooms: RoomService) -> None:
        self._db = db
        self._notifier = notifier
        self._rooms = rooms

    # -- writing (inside the caller's unit of work) ------------------------------------------

    async def add(
        self, session: AsyncSession, user_id: str, kind: str, data: dict[str, Any]
    ) -> Notification:
        """Store one note; ``push`` it once the unit has committed. A note the person switched
        off, or about a room they cannot see, comes back unsaved and ``push`` skips it."""
        notes = await self.add_many(session, [user_id], kind, data)
        return notes[0] if notes else Notification(user_id=user_id, kind=kind, data=data)

    async def add_many(
        self, session: AsyncSession, user_ids: list[str], kind: str, data: dict[str, Any]
    ) -> list[Notification]:
        wanted = await self._recipients(session, list(dict.fromkeys(user_ids)), kind, data)
        notes = [
            Notification(user_id=u, kind=kind, data=data, room_id=data.get("room_id"))
            for u in wanted
        ]
        session.add_all(notes)
        await session.flush()
        return notes

    async def add_batched(
        self,
        session: AsyncSession,
        user_id: str,
        kind: str,
        group: str,
        data: dict[str, Any],
        actor: tuple[str, str],
    ) -> Notification:
        """One unread note per group ("5 people upvoted your answer"): a new actor replaces
        it by a new note (a new id, so catch-up by id sees the change) naming who and how many."""
        standin = Notification(user_id=user_id, kind=kind, data=data)
        if not await self._recipients(session, [user_id], kind, data):
            return standin
        old = await session.scalar(
            select(Notification)
            .where(
                Notification.user_id == user_id,
                Notification.group_key == group,
                Notification.read_at.is_(None),
            )
            .order_by(Notification.id.desc())
            .limit(1)
        )
        actor_id, actor_name = actor
        ids: list[str] = list(old.data.get("actor_ids", [])) if old else []
        names: list[str] = list(old.data.get("actors", [])) if old else []
        if actor_id in ids:
            return standin  # the same person again (unvoted and voted): counted once
        merged = data | {
            "actor_ids": [actor_id, *ids][:COUNTED_ACTORS],
            "actors": [actor_name, *names][:SHOWN_ACTORS],
            "count": (int(old.data.get("count", 0)) if old else 0) + 1,
            "replaces": old.id if old else None,
        }
        if old is not None:
            await session.execute(delete(Notification).where(Notification.id == old.id))
        note = Notification(
            user_id=user_id, kind=kind, data=merged, room_id=data.get("room_id"), group_key=group
        )
        session.add(note)
        await session.flush()
        return note

    async def _recipients(
        self, session: AsyncSession, user_ids: list[str], kind: str, data: dict[str, Any]
    ) -> list[str]:
        if not user_ids:
            return []
        off = select(NotificationPreference.user_id).where(
            NotificationPreference.user_id == User.id,
            NotificationPreference.kind == kind,
            NotificationPreference.enabled.is_(False),
        )
        query = select(User.id).where(User.id.in_(user_ids), ~off.exists())
        room_id = data.get("room_id")
        if room_id is not None:
            query = query.where(can_see(room_id, User.id))  # type: ignore[arg-type]
        found = set((await session.scalars(query)).all())
        return [u for u in user_ids if u in found]

    async def push(self, notes: list[Notification]) -> None:
        """Deliver committed notes to every socket of their person, on every node."""
        for note in notes:
            if not _pending(note) or not await self._may_see(note):
                continue
            try:
                unread = await self.unread(note.user_id)
                payload = {"notification": note_dict(note), "unread": unread}
                await self._notifier.user_event(note.user_id, EVENT, payload)
            except Exception:
                # Stored is what counts: the person catches up on their next sync.
                log.exception("pushing notification %s failed", note.id)

    async def _may_see(self, note: Notification) -> bool:
        if note.room_id is None:
            return True
        try:
            return await self._rooms.role_of(note.room_id, person(note.user_id)) is not None
        except SalonError:
            return False

    # -- reading -----------------------------------------------------------------------------

    def _mine(self, user_id: str) -> ColumnElement[bool]:
        return and_(
            Notification.user_id == user_id,
            or_(Notification.room_id.is_(None), can_see(Notification.room_id, user_id)),
        )

    async def page(
        self, user_id: str, before: int | None, limit: int, unread_only: bool
    ) -> dict[str, Any]:
        """Newest first; ``next_before`` pages on (None: nothing older)."""
        query = select(Notification).where(self._mine(user_id))
        if before is not None:
            query = query.where(Notification.id < before)
        if unread_only:
            query = query.where(Notification.read_at.is_(None))
        async with self._db.read() as s:
            rows = list(await s.scalars(query.order_by(Notification.id.desc()).limit(limit + 1)))
            unread = await self._unread(s, user_id)
        more = len(rows) > limit
        rows = rows[:limit]
        return {
            "notifications": [note_dict(n) for n in rows],
            "next_before": rows[-1].id if more else None,
            "unread": unread,
        }

    async def since(self, user_id: str, after: int, limit: int) -> dict[str, Any]:
        """Catch-up on reconnect: every note with an id above ``after``, oldest first."""
        query = (
            select(Notification)
            .where(self._mine(user_id), Notification.id > after)
            .order_by(Notification.id)
            .limit(limit + 1)
        )
        async with self._db.read() as s:
            rows = list(await s.scalars(query))
            unread = await self._unread(s, user_id)
        more = len(rows) > limit
        rows = rows[:limit]
        return {
            "notifications": [note_dict(n) for n in rows],
            "next_after": rows[-1].id if rows else after,
            "more": more,
            "unread": unread,
        }

    async def unread(self, user_id: str) -> int:
        async with self._db.read() as s:
            return await self._unread(s, user_id)

    async def _unread(self, s: AsyncSession, user_id: str) -> int:
        query = select(func.count(Notification.id)).where(
            self._mine(user_id), Notification.read_at.is_(None)
        )
        return int(await s.scalar(query) or 0)

    async def counts(self, user_id: str) -> dict[str, int]:
        async with self._db.read() as s:
            total = await s.scalar(select(func.count(Notification.id)).where(self._mine(user_id)))
            return {"unread": await self._unread(s, user_id), "total": int(total or 0)}

    # -- read state --------------------------------------------------------------------------

    async def mark_read(self, user_id: str, ids: list[int] | None) -> int:
        """Mark some (or, with None, all) of one's notes read; every socket of the person
        hears it, so a badge in another tab drops too."""
        query = update(Notification).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
        if ids is not None:
            if not ids:
                return 0
            query = query.where(Notification.id.in_(ids))
        async with self._db.unit() as s:
            result = await s.execute(query.values(read_at=utcnow()))
        changed = int(getattr(result, "rowcount", 0) or 0)
        if changed:
            event = {"ids": ids, "all": ids is None, "unread": await self.unread(user_id)}
            await self._notifier.user_event(user_id, READ_EVENT, event)
        return changed

    # -- preferences -------------------------------------------------------------------------

    async def preferences(self, user_id: str) -> dict[str, bool]:
        async with self._db.read() as s:
            rows = await s.scalars(
                select(NotificationPreference).where(NotificationPreference.user_id == user_id)
            )
            chosen = {p.kind: p.enabled for p in rows}
        return {kind: chosen.get(kind, True) for kind in KINDS}

    async def set_preferences(self, user_id: str, changes: dict[str, bool]) -> dict[str, bool]:
        unknown = sorted(set(changes) - set(KINDS))
        if unknown:
            raise SalonError("bad_request", f"unknown notification kinds: {', '.join(unknown)}")
        async with self._db.unit() as s:
            for kind, enabled in changes.items():
                row = await s.get(NotificationPreference, (user_id, kind))
                if row is None:
                    s.add(NotificationPreference(user_id=user_id, kind=kind, enabled=enabled))
                else:
                    row.enabled = enabled
        return await self.preferences(user_id)

    # -- the names of the push-until-acknowledged protocol, kept for old clients ------------

    async def pending(self, user_id: str) -> list[dict[str, Any]]:
        page = await self.page(user_id, None, 200, unread_only=True)
        notes: list[dict[str, Any]] = page["notifications"]
        return notes

    async def ack(self, user_id: str, ids: list[int]) -> int:
        return await self.mark_read(user_id, ids)
