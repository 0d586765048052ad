"""A session as a record (JSON) or a Markdown transcript: chat, Q&A, final notes, timeline.

Exports show what the caller may see: deleted chat stays deleted, anonymous askers stay
anonymous to non-hosts, dismissed and pending questions appear for hosts only.
"""

from __future__ import annotations

from typing import Any, Protocol

from salon.core.auth import Identity
from salon.rooms.service import at_least
from salon.sessions import repository as repo
from salon.sessions.service import SessionService
from salon.sessions.timeline import Timeline
from salon.store.db import Database
from salon.store.users import names_of

TIMELINE_PAGE = 1000


def _escape(text: str) -> str:
    """User text must not become markup when the Markdown is rendered."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _heading(text: str) -> str:
    """A title as one heading line: no line breaks, no raw tags (the < still breaks them)."""
    return " ".join(text.split()).replace("<", "\\<")


def _quote(text: str) -> str:
    return "\n".join("> " + line for line in _escape(text).splitlines() or [""])


class QuestionsPort(Protocol):
    """What exports need from Q&A (``salon.qa.service.QAService``): the questions of a session
    as the caller may see them. A port keeps sessions below qa in the dependency order."""

    async def questions(self, who: Identity, session_id: str, sort: str) -> list[dict[str, Any]]:
        """The session's questions, rendered for ``who``, in ``sort`` order."""


class ExportService:
    def __init__(
        self, db: Database, sessions: SessionService, qa: QuestionsPort, timeline: Timeline
    ) -> None:
        self._db = db
        self._sessions = sessions
        self._qa = qa
        self._timeline = timeline

    async def record(self, who: Identity, session_id: str) -> dict[str, Any]:
        rec, role = await self._sessions.role_in(who, session_id)
        is_host = at_least(role, "host")
        session = await self._sessions.get(who, session_id)
        async with self._db.read() as s:
            messages = await repo.chat_of(s, session_id)
            names = await names_of(s, {m.user_id for m in messages} | set(session["experts"]))
            documents = {d.name: d.text for d in await repo.documents_of(s, session_id)}
        chat = [
            {
                "seq": m.seq,
                "user_id": m.user_id,
                "name": names.get(m.user_id, m.user_id),
                "body": "" if m.deleted_at else m.body,
                "deleted": m.deleted_at is not None,
                "created_at": m.created_at.isoformat(),
            }
            for m in messages
        ]
        questions = list(reversed(await self._qa.questions(who, session_id, "recent")))
        return {
            "session": session,
            "experts": [{"user_id": e, "name": names.get(e, e)} for e in session["experts"]],
            "chat": chat,
            "questions": questions,
            "documents": documents,
            "timeline": await self._all_events(session_id, who.user_id, is_host),
            "exported_by": who.user_id,
            "status": rec.status,
        }

    async def _all_events(self, session_id: str, viewer: str, is_host: bool) -> list[Any]:
        events: list[Any] = []
        after: int | None = 0
        while after is not None:
            page, after = await self._timeline.page(
                session_id, viewer, is_host, after, TIMELINE_PAGE
            )
            events += page
        return events

    async def markdown(self, who: Identity, session_id: str) -> str:
        return render_markdown(await self.record(who, session_id))


def render_markdown(record: dict[str, Any]) -> str:
    session = record["session"]
    # A heading is plain Markdown: escaping it as HTML showed "Q&amp;A" to readers.
    lines = [f"# {_heading(session['title'])}", ""]
    if session["description"]:
        lines += [_escape(session["description"]), ""]
    lines += [
        f"- Session: `{session['id']}` in room `{session['room_id']}` ({session['status']})",
        f"- Started: {session['started_at'] or '-'}",
        f"- Ended: {session['ended_at'] or '-'}",
        f"- Tags: {', '.join(_escape(t) for t in session['tags']) or '-'}",
        f"- Experts: {', '.join(_escape(e['name']) for e in record['experts']) or '-'}",
    ]
    people = [p.get("name") or p.get("user_id", "") for p in session.get("participants", [])]
    lines += [f"- Participants: {', '.join(_escape(p) for p in people) or '-'}", ""]
    lines += _questions(record["questions"]) + _chat(record["chat"])
    for name, text in sorted(record["documents"].items()):
        lines += [f"## Notes: {_escape(name)}", "", _escape(text), ""]
    return "\n".join(lines).rstrip() + "\n"


def _questions(questions: list[dict[str, Any]]) -> list[str]:
    lines = ["## Questions and answers", ""]
    if not questions:
        lines += ["No questions were asked.", ""]
    for i, q in enumerate(questions, 1):
        asker = q["asker"]["name"] if q.get("asker") else "anonymous"
        votes = f"{q['votes']} vote" + ("" if q["votes"] == 1 else "s")
        lines += [f"### Q{i}. {q['status']}, {votes}, asked by {_escape(asker)}", ""]
        lines += [_quote(q["body"]), ""]
        for a in q["answers"]:
            mark = " (accepted)" if a["accepted"] else ""
            lines += [
                f"**Answer by {_escape(a['author']['name'])}{mark}**",
                "",
                _quote(a["body"]),
                "",
            ]
    return lines


def _chat(chat: list[dict[str, Any]]) -> list[str]:
    lines = ["## Chat", ""]
    if not chat:
        lines += ["No chat messages.", ""]
    for m in chat:
        time = m["created_at"][11:19]
        if m["deleted"]:
            lines.append(f"- [{time}] *message deleted*")
        else:
            lines.append(f"- [{time}] **{_escape(m['name'])}**: {_escape(m['body'])}")
    return [*lines, ""]
