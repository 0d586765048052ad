"""What sessions and Q&A tell the network, inside the unit of work of the change: the feed
item, the notes to followers and the webhook outbox rows commit with the change itself.
``after`` runs once that unit committed: it pushes the notes and wakes the webhook sender."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.network import feed, webhooks
from salon.network.delivery import WebhookSender
from salon.network.follows import normal_tag
from salon.network.inbox import InboxService
from salon.store.models import Answer, Follow, Notification, Question, Room, SessionRecord

FEED_KIND = {
    "scheduled": "session.scheduled",
    "started": "session.live",
    "ended": "session.archived",
}
NOTIFY_KIND = {"scheduled": "session.scheduled", "started": "session.started"}


def _stamp(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def session_brief(rec: SessionRecord, experts: list[str]) -> dict[str, Any]:
    return {
        "id": rec.id,
        "room_id": rec.room_id,
        "title": rec.title,
        "description": rec.description,
        "tags": list(rec.tags),
        "experts": experts,
        "status": rec.status,
        "starts_at": _stamp(rec.starts_at),
        "started_at": _stamp(rec.started_at),
        "ended_at": _stamp(rec.ended_at),
    }


def room_brief(room: Room) -> dict[str, Any]:
    return {"id": room.id, "title": room.title, "visibility": room.visibility}


async def followers(s: AsyncSession, targets: list[tuple[str, str]]) -> list[str]:
    found: list[str] = []
    for kind, target in targets:
        rows = await s.scalars(
            select(Follow.user_id).where(Follow.target_kind == kind, Follow.target_id == target)
        )
        found.extend(rows)
    return list(dict.fromkeys(found))


class Activity:
    def __init__(self, inbox: InboxService, sender: WebhookSender) -> None:
        self._inbox = inbox
        self._sender = sender

    async def session_changed(
        self, s: AsyncSession, rec: SessionRecord, experts: list[str], change: str, actor: str
    ) -> list[Notification]:
        """``change`` is "scheduled", "started" or "ended"."""
        room = await s.get(Room, rec.room_id)
        if room is None:
            return []
        brief = session_brief(rec, experts)
        await feed.record(
            s,
            FEED_KIND[change],
            rec.room_id,
            feed.session_keys(rec, room, experts),
            session_id=rec.id,
            data={"title": rec.title},
        )
        tags = _tags(rec, room)
        payload = {"session": brief, "room": room_brief(room)}
        await webhooks.enqueue(s, f"session.{change}", rec.room_id, tags, payload)
        kind = NOTIFY_KIND.get(change)
        if kind is None:
            return []
        targets = [("user", e) for e in experts]
        if change == "started":
            targets.append(("session", rec.id))
        recipients = [u for u in await followers(s, targets) if u != actor]
        data = {
            "room_id": rec.room_id,
            "session_id": rec.id,
            "title": rec.title,
            "room_title": room.title,
            "experts": experts,
            "starts_at": brief["starts_at"],
        }
        return await self._inbox.add_many(s, recipients, kind, data)

    async def question_answered(
        self, s: AsyncSession, q: Question, rec: SessionRecord | None, experts: list[str]
    ) -> None:
        """The question just became answered (by an answer, a mark or an accepted answer)."""
        room = await s.get(Room, q.room_id)
        if room is None:
            return
        answers = list(
            await s.scalars(select(Answer).where(Answer.question_id == q.id).order_by(Answer.id))
        )
        shown = next((a for a in answers if a.id == q.accepted_answer_id), None) or (
            answers[-1] if answers else None
        )
        keys = _keys(q, rec, room, experts) | {f"user:{a.author_id}" for a in answers}
        await feed.record(
            s,
            "question.answered",
            q.room_id,
            keys,
            session_id=rec.id if rec is not None else None,
            question_id=q.id,
            answer_id=shown.id if shown else None,
        )
        payload = {
            "question": {
                "id": q.id,
                "body": q.body,
                "session_id": rec.id if rec is not None else None,
            },
            "answer": {"id": shown.id, "body": shown.body, "author_id": shown.author_id}
            if shown
            else None,
            "session": session_brief(rec, experts) if rec is not None else None,
            "room": room_brief(room),
        }
        tags = _tags(rec, room) if rec is not None else _question_tags(q, room)
        await webhooks.enqueue(s, "question.answered", q.room_id, tags, payload)

    async def answer_accepted(
        self,
        s: AsyncSession,
        q: Question,
        a: Answer,
        rec: SessionRecord | None,
        experts: list[str],
    ) -> None:
        room = await s.get(Room, q.room_id)
        if room is None:
            return
        keys = _keys(q, rec, room, experts) | {f"user:{a.author_id}"}
        await feed.record(
            s,
            "answer.accepted",
            q.room_id,
            keys,
            session_id=rec.id if rec is not None else None,
            question_id=q.id,
            answer_id=a.id,
        )

    async def after(self, notes: list[Notification]) -> None:
        await self._inbox.push(notes)
        self._sender.wake()


def _keys(q: Question, rec: SessionRecord | None, room: Room, experts: list[str]) -> set[str]:
    """Who follows what a question is about: its session's, or (asked anytime) its room's and
    tag's; the question's own tag counts in both cases."""
    keys = feed.question_keys(q, room)
    return keys | feed.session_keys(rec, room, experts) if rec is not None else keys


def _question_tags(q: Question, room: Room) -> set[str]:
    return {normal_tag(t) for t in (*room.tags, *([q.tag] if q.tag else [])) if normal_tag(t)}


def _tags(rec: SessionRecord, room: Room) -> set[str]:
    return {normal_tag(t) for t in (*rec.tags, *room.tags) if normal_tag(t)}
