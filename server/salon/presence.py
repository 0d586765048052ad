"""Who is in which room right now. Several sockets of one user count as one person;
a dropped user lingers for a grace period so a quick reconnect causes no leave/join flicker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

from salon.notifier import Notifier
from salon.store.models import utcnow

log = logging.getLogger("salon.presence")


@dataclass(slots=True)
class Presence:
    user_id: str
    name: str
    role: str
    since: str
    is_guest: bool = False
    hand_raised: bool = False
    sockets: set[str] = field(default_factory=set)
    leaving: asyncio.TimerHandle | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "name": self.name,
            "role": self.role,
            "since": self.since,
            "guest": self.is_guest,
            "hand_raised": self.hand_raised,
        }


class PresenceService:
    def __init__(self, notifier: Notifier, grace: float) -> None:
        self._notifier = notifier
        self._grace = grace
        self._rooms: dict[str, dict[str, Presence]] = {}
        self._pending: set[asyncio.Task[None]] = set()

    def list(self, room_id: str) -> list[dict[str, Any]]:
        people = self._rooms.get(room_id, {}).values()
        return [p.to_dict() for p in sorted(people, key=lambda p: (p.since, p.user_id))]

    def count(self, room_id: str) -> int:
        return len(self._rooms.get(room_id, {}))

    async def join(
        self, room_id: str, sid: str, user_id: str, name: str, role: str, is_guest: bool
    ) -> None:
        people = self._rooms.setdefault(room_id, {})
        person = people.get(user_id)
        if person is None:
            person = Presence(user_id, name, role, utcnow().isoformat(), is_guest)
            people[user_id] = person
            person.sockets.add(sid)
            await self._notifier.room_event(room_id, "presence:joined", person.to_dict())
            return
        person.sockets.add(sid)
        if person.leaving is not None:
            person.leaving.cancel()
            person.leaving = None
        if (person.name, person.role) != (name, role):
            person.name, person.role = name, role
            await self._notifier.room_event(room_id, "presence:updated", person.to_dict())

    async def leave(self, room_id: str, sid: str, user_id: str, *, dropped: bool) -> None:
        """A socket left; the person leaves with their last socket (after the grace if dropped)."""
        person = self._rooms.get(room_id, {}).get(user_id)
        if person is None:
            return
        person.sockets.discard(sid)
        if person.sockets:
            return
        if dropped and self._grace > 0:
            loop = asyncio.get_running_loop()
            person.leaving = loop.call_later(self._grace, self._expire, room_id, user_id)
            return
        await self._remove(room_id, user_id)

    async def remove_user(self, room_id: str, user_id: str) -> None:
        await self._remove(room_id, user_id)

    async def update(self, room_id: str, user_id: str, **changes: Any) -> dict[str, Any] | None:
        person = self._rooms.get(room_id, {}).get(user_id)
        if person is None:
            return None
        changed = False
        for name, value in changes.items():
            if getattr(person, name) != value:
                setattr(person, name, value)
                changed = True
        if changed:
            await self._notifier.room_event(room_id, "presence:updated", person.to_dict())
        return person.to_dict()

    def _expire(self, room_id: str, user_id: str) -> None:
        person = self._rooms.get(room_id, {}).get(user_id)
        if person is None or person.sockets:
            return
        task = asyncio.get_running_loop().create_task(self._remove(room_id, user_id))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _remove(self, room_id: str, user_id: str) -> None:
        people = self._rooms.get(room_id)
        if not people or user_id not in people:
            return
        person = people.pop(user_id)
        if person.leaving is not None:
            person.leaving.cancel()
        if not people:
            del self._rooms[room_id]
        try:
            await self._notifier.room_event(room_id, "presence:left", {"user_id": user_id})
        except Exception:
            log.exception("presence:left broadcast failed")

    async def stop(self) -> None:
        for people in self._rooms.values():
            for person in people.values():
                if person.leaving is not None:
                    person.leaving.cancel()
        for task in list(self._pending):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
