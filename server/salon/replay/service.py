"""Replay of an archived session: its timeline and its room's document edits on one clock.

``ReplaySource`` loads what one viewer may see of a session (timeline events after privacy
rules, plus an index of document updates) and answers "the whole state at offset T": chat,
Q&A and presence folded from the timeline, each document from its nearest snapshot plus a
short log tail. Offsets are milliseconds since the session started.
"""

from __future__ import annotations

import bisect
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pycrdt

from salon.core.auth import Identity
from salon.core.errors import SalonError
from salon.documents.repository import last_update_id_at, latest_snapshot, list_documents
from salon.replay import repository as repo
from salon.rooms.service import at_least
from salon.sessions import repository as sessions_repo
from salon.sessions.service import SessionService
from salon.sessions.timeline import state_at, view
from salon.store.db import Database

MARKER_KINDS = {
    "qa.ask": "question",
    "qa.answer": "answer",
    "qa.accept": "accepted",
    "qa.mark_answered": "answered",
}


@dataclass(frozen=True, slots=True)
class DocPoint:
    offset: int
    update_id: int
    document_id: str
    name: str


@dataclass
class ReplaySource:
    session: dict[str, Any]
    started_at: datetime
    duration_ms: int
    events: list[dict[str, Any]]  # visible timeline events, each with "offset"
    doc_points: list[DocPoint]
    documents: dict[str, str]  # document id -> name
    text_field: str
    db: Database
    _event_offsets: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._event_offsets = [e["offset"] for e in self.events]

    def markers(self) -> list[dict[str, Any]]:
        marks = []
        for e in self.events:
            if e["kind"] in MARKER_KINDS:
                question = e["data"].get("question") or {}
                marks.append(
                    {
                        "offset": e["offset"],
                        "seq": e["seq"],
                        "kind": MARKER_KINDS[e["kind"]],
                        "question_id": question.get("id"),
                        "title": str(question.get("body", ""))[:80],
                    }
                )
        return marks

    def clamp(self, offset: int) -> int:
        return max(0, min(int(offset), self.duration_ms))

    def offset_of_seq(self, seq: int) -> int:
        for event in self.events:
            if event["seq"] >= seq:
                return int(event["offset"])
        return self.duration_ms

    def events_between(self, after: int, upto: int) -> list[dict[str, Any]]:
        lo = bisect.bisect_right(self._event_offsets, after)
        hi = bisect.bisect_right(self._event_offsets, upto)
        return self.events[lo:hi]

    async def state(self, offset: int) -> dict[str, Any]:
        """Everything a viewer saw at ``offset``: chat, questions, presence, documents."""
        offset = self.clamp(offset)
        upto = bisect.bisect_right(self._event_offsets, offset)
        seq = self.events[upto - 1]["seq"] if upto else 0
        folded = state_at(self.events[:upto], seq)
        return {**folded, "offset": offset, "documents": await self.documents_at(offset)}

    async def documents_at(self, offset: int) -> list[dict[str, Any]]:
        at = self.started_at + timedelta(milliseconds=offset)
        return [
            await self._document_at(doc_id, name, at) for doc_id, name in self.documents.items()
        ]

    async def _document_at(self, document_id: str, name: str, at: datetime) -> dict[str, Any]:
        """Nearest snapshot plus the short log tail up to ``at``, applied to one Doc."""
        doc: pycrdt.Doc[Any] = pycrdt.Doc()
        async with self.db.read() as session:
            upto = await last_update_id_at(session, document_id, at)
            if upto is not None:
                snapshot = await latest_snapshot(session, document_id, upto)
                if snapshot is not None:
                    doc.apply_update(snapshot.state)
                after = snapshot.upto_update_id if snapshot else 0
                for data in await repo.tail_data(session, document_id, after, upto):
                    doc.apply_update(data)
        text = str(doc.get(self.text_field, type=pycrdt.Text))
        state = doc.get_update() if upto is not None else b""
        return {"name": name, "text": text, "state": state, "update_id": upto}

    async def update_bytes(self, ids: list[int]) -> dict[int, bytes]:
        async with self.db.read() as session:
            return await repo.update_data(session, ids)


CACHE_SECONDS = 5.0
CACHE_SIZE = 64


class ReplayService:
    def __init__(self, db: Database, sessions: SessionService, text_field: str) -> None:
        self._db = db
        self._sessions = sessions
        self._text_field = text_field
        # Dragging a slider over REST asks for many moments of one session in a row; an
        # ended session changes only by redaction, which reaches replays within the TTL.
        self._cache: dict[tuple[str, str], tuple[float, ReplaySource]] = {}

    async def open_cached(self, who: Identity, session_id: str) -> ReplaySource:
        """``open`` for seeks, reusing a source this viewer opened in the last seconds."""
        key = (session_id, who.user_id)
        hit = self._cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            await self._sessions.role_in(who, session_id)  # access may have been revoked
            return hit[1]
        source = await self.open(who, session_id)
        if len(self._cache) >= CACHE_SIZE:
            self._cache = {k: v for k, v in self._cache.items() if v[0] > time.monotonic()}
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
        self._cache[key] = (time.monotonic() + CACHE_SECONDS, source)
        return source

    async def open(
        self, who: Identity, session_id: str, with_updates: bool = False
    ) -> ReplaySource:
        """Load an ended session for ``who``; live or unstarted sessions cannot be replayed.
        ``with_updates`` also indexes the document log for playing (seeks do not need it)."""
        rec, role = await self._sessions.role_in(who, session_id)
        if rec.status != "ended" or rec.started_at is None or rec.ended_at is None:
            raise SalonError(
                "conflict", f"only ended sessions can be replayed; this one is {rec.status}"
            )
        is_host = at_least(role, "host")
        start, end = rec.started_at, rec.ended_at
        async with self._db.read() as session:
            rows = await sessions_repo.timeline_page(session, session_id, 0, None)
            docs = {d.id: d.name for d in await list_documents(session, rec.room_id)}
            index = await repo.update_index(session, list(docs), start, end) if with_updates else []
        events = visible_events(rows, who.user_id, is_host, start)
        points = [
            DocPoint(offset_ms(at, start), uid, doc_id, docs[doc_id]) for uid, doc_id, at in index
        ]
        session_info = await self._sessions.get(who, session_id)
        return ReplaySource(
            session_info,
            start,
            offset_ms(end, start),
            events,
            points,
            docs,
            self._text_field,
            self._db,
        )


def offset_ms(at: datetime, start: datetime) -> int:
    return max(0, int((at - start).total_seconds() * 1000))


def visible_events(rows: Any, viewer: str, is_host: bool, start: datetime) -> list[dict[str, Any]]:
    """The timeline as ``viewer`` may see it now, after every redaction: host-only events and
    anonymous askers hidden by ``view``; questions a host dismissed never appear for others,
    as the live room shows them after the dismissal."""
    shown = [e for row in rows if (e := view(row, viewer, is_host)) is not None]
    if not is_host:
        dismissed = dismissed_questions(shown)
        shown = [e for e in shown if question_id(e) not in dismissed]
    for event in shown:
        event["offset"] = offset_ms(datetime.fromisoformat(event["at"]), start)
    return shown


def question_id(event: dict[str, Any]) -> Any:
    question = event["data"].get("question")
    return question.get("id") if isinstance(question, dict) else None


def dismissed_questions(events: list[dict[str, Any]]) -> set[Any]:
    final: dict[Any, str] = {}
    mine: set[Any] = set()
    for event in events:
        qid = question_id(event)
        if qid is not None:
            final[qid] = event["data"]["question"].get("status")
            if event["data"]["question"].get("mine"):
                mine.add(qid)
    # An asker still sees their own dismissed question, as live.
    return {qid for qid, status in final.items() if status == "dismissed" and qid not in mine}
