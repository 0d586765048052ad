"""Ask anytime: questions asked while no session is live wait in their room's open queue
(and, when addressed to a tag, in that tag's queue too). The room's experts and hosts, the
tag's experts and a named expert are told; any of them may answer; the asker accepts; a host
brings the room's open queue into a session once one is live, in one action.

Everything else (votes, moderation, anonymity, edits, merges, redaction) is the ordinary
Q&A of ``qa/service.py``: a queued question is a question whose ``session_id`` is None.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.core.auth import Identity
from salon.core.errors import SalonError
from salon.core.notifier import Notifier
from salon.core.payloads import Id, Payload
from salon.qa import repository as repo
from salon.qa.notifications import NotificationService
from salon.qa.record import Change, Publisher, about, archive
from salon.qa.view import render
from salon.rooms import repository as rooms_repo
from salon.rooms.service import RoomService, at_least
from salon.search.repository import visible_rooms
from salon.sessions import repository as sessions_repo
from salon.sessions.timeline import redact_question
from salon.store.db import Database
from salon.store.models import (
    ANSWERED,
    DISMISSED,
    OPEN,
    PENDING,
    Answer,
    Notification,
    Question,
    QuestionVote,
    Room,
    SessionExpert,
    SessionRecord,
)

Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
QUEUE_PAGE = 50
# Questions one "bring the queue in" moves at most: a queue is a backlog, not an archive.
BRING_LIMIT = 500


class QueueQuery(Payload):
    room_id: Id | None = None
    tag: Tag | None = None
    status: Literal["open", "answered", "all"] = "open"
    offset: Annotated[int, Field(ge=0, le=100_000)] = 0
    limit: Annotated[int, Field(ge=1, le=200)] = QUEUE_PAGE

    @model_validator(mode="after")
    def _one_queue(self) -> QueueQuery:
        if (self.room_id is None) == (self.tag is None):
            raise ValueError("give either room_id or tag")
        return self


class BringQueue(Payload):
    room_id: Id


def in_queue(status: str) -> ColumnElement[bool]:
    wanted = {"open": (PENDING, OPEN), "answered": (ANSWERED,)}.get(
        status, (PENDING, OPEN, ANSWERED, DISMISSED)
    )
    found: ColumnElement[bool] = Question.session_id.is_(None) & Question.status.in_(wanted)
    return found


# -- who is told, who may answer ------------------------------------------------------------


async def sees_room(s: AsyncSession, user_id: str, room_id: str) -> bool:
    found = await s.scalar(
        select(Room.id).where(Room.id == room_id, Room.id.in_(visible_rooms(user_id)))
    )
    return found is not None


async def tag_experts(s: AsyncSession, tag: str, room_id: str) -> set[str]:
    """People who were experts of a session with ``tag`` or answered a question addressed to
    it, and who may see ``room_id``."""
    led = await s.scalars(
        select(SessionExpert.user_id)
        .join(SessionRecord, SessionRecord.id == SessionExpert.session_id)
        .where(repo.tagged(SessionRecord.tags, tag))
    )
    answered = await s.scalars(
        select(Answer.author_id)
        .join(Question, Question.id == Answer.question_id)
        .where(Question.tag == tag.casefold())
    )
    people = set(led.all()) | set(answered.all())
    return {uid for uid in sorted(people) if await sees_room(s, uid, room_id)}


async def addressed_to(s: AsyncSession, q: Question) -> set[str]:
    """Everyone a queued question is for: the room's experts and hosts, the tag's experts,
    the named expert."""
    members = await rooms_repo.list_members(s, q.room_id)
    people = {m.user_id for m in members if at_least(m.role, "expert")}
    if q.tag:
        people |= await tag_experts(s, q.tag, q.room_id)
    if q.expert_id:
        people.add(q.expert_id)
    return people


async def answers_as_addressed(s: AsyncSession, q: Question, user_id: str) -> bool:
    """A queued question's named expert, or an expert of its tag, answers it without being an
    expert of its room (seeing the room is still required)."""
    if q.session_id is not None:
        return False
    if q.expert_id == user_id:
        return await sees_room(s, user_id, q.room_id)
    return bool(q.tag) and user_id in await tag_experts(s, q.tag or "", q.room_id)


async def tell_experts(
    notifications: NotificationService, s: AsyncSession, q: Question, queued: bool
) -> list[Notification]:
    """The one place a new question reaches its experts: ``add`` inside the unit of work;
    the caller ``push``es after the commit. A live question only tells its named expert (the
    others are in the session)."""
    data = about(q) | {"tag": q.tag, "expert_id": q.expert_id}
    people = await addressed_to(s, q) if queued else {q.expert_id} - {None}
    notes = []
    for user_id in sorted(p for p in people if p is not None and p != q.asker_id):
        kind = "question.for_you" if user_id == q.expert_id else "question.queued"
        notes.append(await notifications.add(s, user_id, kind, data))
    return notes


# -- the queue ------------------------------------------------------------------------------


class QueueService:
    def __init__(self, db: Database, rooms: RoomService, notifier: Notifier) -> None:
        self._db = db
        self._rooms = rooms
        self._publisher = Publisher(db, notifier)

    async def listing(self, who: Identity, p: QueueQuery) -> dict[str, Any]:
        """A room's (or a tag's) queue, most votes first (oldest first among equals)."""
        host = False
        where = [in_queue(p.status)]
        if p.room_id is not None:
            role = await self._rooms.require(p.room_id, who, "viewer", "reading questions")
            host = at_least(role, "host")
            where.append(Question.room_id == p.room_id)
        else:
            where.append(Question.tag == (p.tag or "").casefold())
            where.append(Question.room_id.in_(visible_rooms(who.user_id)))
        if not host:  # pending and dismissed ones: hosts and their asker only
            where.append(
                or_(Question.status.in_((OPEN, ANSWERED)), Question.asker_id == who.user_id)
            )
        votes = (
            select(func.count())
            .where(QuestionVote.question_id == Question.id)
            .correlate(Question)
            .scalar_subquery()
        )
        async with self._db.read() as s:
            total = int(
                await s.scalar(select(func.count()).select_from(Question).where(*where)) or 0
            )
            found = await s.scalars(
                select(Question)
                .where(*where)
                .order_by(votes.desc(), Question.id)
                .offset(p.offset)
                .limit(p.limit)
            )
            page = found.all()
            full = await render(s, page)
            mine = await repo.voted_by(s, [q.id for q in page], who.user_id)
        shown = [redact_question(q, who.user_id, host) | {"voted": q["id"] in mine} for q in full]
        return {"questions": shown, "total": total, "offset": p.offset, "limit": p.limit}

    async def bring(self, who: Identity, room_id: str) -> list[dict[str, Any]]:
        """Move the room's open queue (pending and open questions) into its live session:
        each gets a timeline moment there, as if asked at that moment, and keeps its votes,
        answers and status."""
        role = await self._rooms.require(room_id, who, "host", "bringing the queue in")
        moved: list[tuple[dict[str, Any], bool]] = []
        async with self._db.unit() as s:
            rec = await sessions_repo.live_in(s, room_id)
            if rec is None:
                raise SalonError("conflict", "no session is live in this room")
            queued = await s.scalars(
                select(Question)
                .where(Question.room_id == room_id, in_queue("open"))
                .order_by(Question.id)
                .limit(BRING_LIMIT)
            )
            for q in queued.all():
                seq = await sessions_repo.next_seq(s, rec.id)
                q.session_id, q.asked_seq = rec.id, seq
                was_public = q.status == OPEN
                full = await archive(s, q, Change(who, role, rec, seq, was_public), "qa.bring")
                moved.append((full, was_public))
        for full, was_public in moved:
            await self._publisher.publish(full, was_public)
        return [redact_question(full, who.user_id, True) for full, _ in moved]
