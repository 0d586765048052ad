"""The per-session timeline: one ordered sequence (seq, server time, kind, actor, data) of
everything that happens in a live session. It is the basis of replay and of the archive.

Privacy is applied twice. At write time, redactions reach back: deleting a chat message
scrubs its text from earlier events, so no reader can see it again. At read time, ``view``
hides host-only events and anonymous askers from everyone but hosts (and the asker).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from salon.sessions import repository as repo
from salon.store.db import Database
from salon.store.models import TimelineEvent

HOSTS = "hosts"
ALL = "all"


def redact_question(q: dict[str, Any], viewer: str | None, is_host: bool) -> dict[str, Any]:
    """A question as ``viewer`` may see it: anonymous askers stay hidden from non-hosts."""
    asker = q.get("asker")
    mine = asker is not None and asker.get("user_id") == viewer
    shown = dict(q)
    if q.get("anonymous") and not is_host and not mine:
        shown["asker"] = None
    if not is_host and not mine:
        shown.pop("dismiss_reason", None)
    shown["mine"] = mine
    return shown


def view(event: TimelineEvent, viewer: str | None, is_host: bool) -> dict[str, Any] | None:
    """The event as ``viewer`` may see it, or None if it is not theirs to see."""
    if event.audience == HOSTS and not is_host and event.subject != viewer:
        return None
    data = dict(event.data)
    if isinstance(data.get("question"), dict):
        data["question"] = redact_question(data["question"], viewer, is_host)
    return {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "kind": event.kind,
        "actor": event.actor,
        "ref": event.ref,
        "data": data,
    }


class Timeline:
    """Appends events; other features get it as a constructor argument."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def current_session(self, room_id: str) -> str | None:
        """The live session of the room, if any (read from the archive, so every node agrees)."""
        async with self._db.read() as session:
            live = await repo.live_in(session, room_id)
        return live.id if live is not None else None

    async def record(
        self, room_id: str, session_id: str | None, kind: str, data: dict[str, Any], **meta: Any
    ) -> int | None:
        """Append one event in its own unit of work; the seq, or None outside a live session.

        ``meta`` may carry actor, ref, audience ("all"/"hosts"), subject and dedupe."""
        session_id = session_id or await self.current_session(room_id)
        if session_id is None:
            return None
        try:
            async with self._db.unit() as session:
                event = await self.append(session, session_id, kind, data, **meta)
        except IntegrityError:
            if meta.get("dedupe") is None:
                raise
            return None  # another node already wrote this event
        return event.seq

    async def append(
        self, session: AsyncSession, session_id: str, kind: str, data: dict[str, Any], **meta: Any
    ) -> TimelineEvent:
        """Append inside the caller's unit of work, so the event commits with the change."""
        return await repo.append(session, session_id, kind=kind, data=data, **meta)

    async def scrub(
        self, session: AsyncSession, session_id: str, ref: str, fields: dict[str, Any]
    ) -> None:
        """Overwrite ``fields`` in every earlier event about ``ref`` (a redaction), inside
        the caller's unit of work."""
        for event in await repo.events_about(session, session_id, ref):
            event.data = _scrubbed(event.data, fields)

    async def page(
        self, session_id: str, viewer: str, is_host: bool, after: int, limit: int
    ) -> tuple[list[dict[str, Any]], int | None]:
        """Visible events after ``after``; and the seq to continue from (None at the end)."""
        async with self._db.read() as session:
            rows = await repo.timeline_page(session, session_id, after, limit)
        events = [shown for e in rows if (shown := view(e, viewer, is_host)) is not None]
        return events, (rows[-1].seq if len(rows) == limit else None)


def _scrubbed(data: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    cleaned = {**data, **{k: v for k, v in fields.items() if k in data}}
    for key in ("message", "question", "answer"):
        if isinstance(data.get(key), dict):
            cleaned[key] = _scrubbed(data[key], fields)
    return cleaned


def state_at(events: Iterable[dict[str, Any]], seq: int) -> dict[str, Any]:
    """Chat, Q&A and presence as they stood at ``seq``, folded from visible events in order
    (as ``view`` returns them): the basis of replay seeks and of reconnect catch-up."""
    chat: dict[int, dict[str, Any]] = {}
    questions: dict[int, dict[str, Any]] = {}
    present: dict[str, dict[str, Any]] = {}
    for event in events:
        if event["seq"] > seq:
            break
        kind, data = event["kind"], event["data"]
        if kind in ("chat.message", "chat.edit"):
            chat[data["id"]] = data
        elif kind in ("chat.delete", "chat.reactions") and data["id"] in chat:
            changes = REDACTED if kind == "chat.delete" else {"reactions": data["reactions"]}
            chat[data["id"]] = {**chat[data["id"]], **changes}
        elif kind.startswith("qa.") and isinstance(data.get("question"), dict):
            _fold_question(questions, data["question"])
        elif kind in ("presence.join", "presence.update"):
            present[data["user_id"]] = {**present.get(data["user_id"], {}), **data}
        elif kind == "presence.leave":
            present.pop(data["user_id"], None)
    return {
        "seq": seq,
        "chat": [chat[k] for k in sorted(chat, key=lambda k: chat[k]["seq"])],
        "questions": list(questions.values()),
        "presence": list(present.values()),
    }


REDACTED = {"body": "", "deleted": True, "reactions": {}}


def _fold_question(questions: dict[int, dict[str, Any]], question: dict[str, Any]) -> None:
    known = questions.get(question["id"])
    if question.get("status") == "dismissed" and known is not None and known.get("mine"):
        # The asker keeps seeing their own dismissed question, as in qa:list.
        questions[question["id"]] = {**known, **question, "mine": True}
        return
    if question.get("status") in ("open", "answered", "pending") and "body" in question:
        questions[question["id"]] = question
    else:  # dismissed, withdrawn or merged: gone from the room's list
        questions.pop(question["id"], None)
