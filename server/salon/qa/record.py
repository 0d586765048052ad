"""How a Q&A change is kept and announced: one timeline event and the search index entry,
inside the change's unit of work; then the redacted and the full renderings to their readers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salon.core.auth import Identity
from salon.core.notifier import Notifier
from salon.qa import repository as repo
from salon.qa.view import render
from salon.rooms import repository as rooms_repo
from salon.rooms.service import at_least
from salon.search.service import index_question
from salon.sessions import repository as sessions_repo
from salon.sessions.timeline import ALL, HOSTS, redact_question
from salon.store.db import Database
from salon.store.models import PUBLIC_STATUSES, Notification, Question, SessionRecord


@dataclass
class Change:
    """What one Q&A action works with inside its unit of work."""

    who: Identity
    role: str
    # None for a question waiting in its room's open queue: no timeline to write to, and
    # ``seq`` is the question's own change counter.
    rec: SessionRecord | None
    seq: int
    was_public: bool = False
    notes: list[Notification] = field(default_factory=list)
    also: list[int] = field(default_factory=list)  # other questions to re-publish (merges)

    @property
    def is_host(self) -> bool:
        return at_least(self.role, "host")


Mutation = Callable[[AsyncSession, Question, Change], Awaitable[None]]


async def archive(s: AsyncSession, q: Question, c: Change, kind: str) -> dict[str, Any]:
    """Timeline event and search index for the change, inside its unit of work."""
    q.last_seq = c.seq
    await s.flush()
    full = (await render(s, [q]))[0]
    public = q.status in PUBLIC_STATUSES
    if c.rec is None:
        answers = (await repo.answers_for(s, [q.id])).get(q.id, [])
        await index_question(s, q, None, [], answers)
        return full
    anonymous_self = q.anonymous and c.who.user_id == q.asker_id
    await sessions_repo.append(
        s,
        c.rec.id,
        seq=c.seq,
        kind=kind,
        actor=None if anonymous_self else c.who.user_id,
        ref=f"question:{q.id}",
        # A question leaving public view is news for everyone, but only that it left.
        audience=ALL if public or c.was_public else HOSTS,
        subject=q.asker_id,
        data={"question": full if public or not c.was_public else _removal(q)},
    )
    answers = (await repo.answers_for(s, [q.id])).get(q.id, [])
    experts = (await sessions_repo.experts_of(s, [c.rec.id])).get(c.rec.id, [])
    await index_question(s, q, c.rec, experts, answers)
    return full


async def archive_other(s: AsyncSession, question_id: int, c: Change) -> dict[str, Any]:
    """A second question the change touched (a merge target gaining votes): its own event."""
    q = await repo.get_question(s, question_id)
    assert q is not None
    seq = q.last_seq + 1 if c.rec is None else await sessions_repo.next_seq(s, c.rec.id)
    return await archive(
        s, q, replace(c, seq=seq, was_public=q.status in PUBLIC_STATUSES), "qa.merge"
    )


class Publisher:
    def __init__(self, db: Database, notifier: Notifier) -> None:
        self._db = db
        self._notifier = notifier

    async def publish(self, full: dict[str, Any], was_public: bool) -> None:
        room_id = full["room_id"]
        async with self._db.read() as s:
            members = await rooms_repo.list_members(s, room_id)
        private = {m.user_id for m in members if m.role == "host"} | {full["asker"]["user_id"]}
        for user_id in sorted(private):
            await self._notifier.user_event(user_id, "qa:question:private", full)
        if full["status"] in PUBLIC_STATUSES:
            await self._notifier.room_event(
                room_id, "qa:question", redact_question(full, None, False)
            )
        elif was_public:
            removed = _about_dict(full) | {
                "status": full["status"],
                "merged_into": full["merged_into"],
            }
            await self._notifier.room_event(room_id, "qa:removed", removed)


def about(q: Question) -> dict[str, Any]:
    return {"question_id": q.id, "session_id": q.session_id, "room_id": q.room_id, "body": q.body}


def _removal(q: Question) -> dict[str, Any]:
    return {"id": q.id, "status": q.status, "merged_into": q.merged_into, "anonymous": False}


def _about_dict(q: dict[str, Any]) -> dict[str, Any]:
    return {"question_id": q["id"], "session_id": q["session_id"], "room_id": q["room_id"]}
