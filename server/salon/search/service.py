"""Search across the archive: questions, answers, chat, document text and session titles.

The index (store.search) is written by the services as things change, only with what everyone
in the room may see: pending, dismissed, withdrawn and merged questions and deleted chat are
never in it, and anonymous questions are stored without their asker. Queries add the caller's
room visibility on top, so a hit never comes from a room they cannot enter.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field, StringConstraints, field_validator, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from salon.core.auth import Identity
from salon.core.payloads import Payload
from salon.search import repository as repo
from salon.search.postgres import PostgresBackend
from salon.search.repository import Backend, Filters, bar_list
from salon.search.sqlite import SqliteBackend
from salon.search.text import index_terms, parse_query, snippet
from salon.store.db import Database
from salon.store.models import (
    ANSWERED,
    KINDS,
    PUBLIC_STATUSES,
    Answer,
    Question,
    SearchEntry,
    SessionRecord,
)
from salon.store.users import names_of

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]


class SearchQuery(Payload):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    q: Text200
    room: Name | None = None
    tag: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] | None
    ) = None
    expert: Name | None = None
    since: datetime | None = Field(None, alias="from")
    until: datetime | None = Field(None, alias="to")
    answered: bool = False
    kind: str | None = None
    offset: Annotated[int, Field(ge=0, le=10_000)] = 0
    limit: Annotated[int, Field(ge=1, le=50)] = 20

    @field_validator("since", "until")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value

    @field_validator("kind")
    @classmethod
    def _kinds(cls, value: str | None) -> str | None:
        if value is None:
            return None
        unknown = {k.strip() for k in value.split(",")} - set(KINDS)
        if unknown:
            raise ValueError(f"kind must be a comma-separated list of {', '.join(KINDS)}")
        return value

    @model_validator(mode="after")
    def _range(self) -> SearchQuery:
        if self.since and self.until and self.since > self.until:
            raise ValueError("from must not be after to")
        return self

    def kinds(self) -> tuple[str, ...]:
        if self.kind is None:
            return KINDS
        return tuple(k for k in KINDS if k in {p.strip() for p in self.kind.split(",")})


# -- keeping the index in step ---------------------------------------------------------------


def _context(rec: SessionRecord | None, experts: Sequence[str]) -> dict[str, Any]:
    if rec is None:
        return {"session_id": None, "tags": "||", "people": bar_list(list(experts))}
    tags = [t.casefold() for t in rec.tags]
    return {
        "session_id": rec.id,
        "tags": bar_list(tags),
        "people": bar_list([rec.created_by, *experts]),
    }


async def index_session(s: AsyncSession, rec: SessionRecord, experts: Sequence[str]) -> None:
    await repo.put(
        s,
        "session",
        rec.id,
        room_id=rec.room_id,
        seq=0,
        at=rec.started_at or rec.starts_at or rec.created_at,
        title=rec.title,
        body=rec.description,
        title_terms=index_terms(rec.title),
        terms=index_terms(rec.description),
        answered=False,
        author_id=rec.created_by,
        **_context(rec, experts),
    )


async def index_question(
    s: AsyncSession,
    q: Question,
    rec: SessionRecord,
    experts: Sequence[str],
    answers: Sequence[Answer],
) -> None:
    """The question and its answers, or nothing if they are not for everyone's eyes."""
    if q.status not in PUBLIC_STATUSES:
        await repo.drop(s, "question", str(q.id))
        for answer in answers:
            await repo.drop(s, "answer", str(answer.id))
        return
    context = _context(rec, [*experts, *(a.author_id for a in answers)])
    answered = q.status == ANSWERED
    await repo.put(
        s,
        "question",
        str(q.id),
        room_id=q.room_id,
        seq=q.answered_seq or q.asked_seq,
        at=q.answered_at or q.created_at,
        title=q.body,
        body=q.body,
        title_terms=index_terms(q.body),
        terms=index_terms(" ".join(a.body for a in answers)),
        answered=answered,
        author_id=None if q.anonymous else q.asker_id,
        **context,
    )
    for answer in answers:
        await repo.put(
            s,
            "answer",
            str(answer.id),
            room_id=q.room_id,
            seq=answer.seq,
            at=answer.created_at,
            title=q.body,
            body=answer.body,
            title_terms=index_terms(q.body),
            terms=index_terms(answer.body),
            answered=answered,
            author_id=answer.author_id,
            **context,
        )


async def index_chat(
    s: AsyncSession,
    message: dict[str, Any],
    rec: SessionRecord | None,
    experts: Sequence[str],
    seq: int | None,
) -> None:
    if message.get("deleted"):
        await repo.drop(s, "chat", str(message["id"]))
        return
    await repo.put(
        s,
        "chat",
        str(message["id"]),
        room_id=message["room_id"],
        # An edit keeps the moment the message was first sent.
        **({"seq": seq} if seq is not None else {}),
        at=datetime.fromisoformat(message["created_at"]),
        title="",
        body=message["body"],
        title_terms="",
        terms=index_terms(message["body"]),
        answered=False,
        author_id=message["user_id"],
        **_context(rec, experts),
    )


async def index_document(
    s: AsyncSession, rec: SessionRecord, experts: Sequence[str], name: str, text: str, seq: int
) -> None:
    await repo.put(
        s,
        "document",
        f"{rec.id}/{name}",
        room_id=rec.room_id,
        seq=seq,
        at=rec.ended_at or rec.created_at,
        title=name,
        body=text,
        title_terms=index_terms(name),
        terms=index_terms(text),
        answered=False,
        author_id=None,
        **_context(rec, experts),
    )


# -- querying --------------------------------------------------------------------------------


class SearchService:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._backend: Backend = SqliteBackend() if db.is_sqlite else PostgresBackend()

    async def search(self, who: Identity, p: SearchQuery) -> dict[str, Any]:
        parsed = parse_query(p.q)
        filters = Filters(
            user_id=who.user_id,
            room=p.room,
            tag=p.tag,
            expert=p.expert,
            since=p.since,
            until=p.until,
            answered=p.answered,
            kinds=p.kinds(),
        )
        async with self._db.read() as session:
            found = await repo.run(session, self._backend, filters, parsed, p.offset, p.limit)
            sessions = await _sessions(session, {e.session_id for e, _ in found.rows})
            names = await names_of(session, {e.author_id for e, _ in found.rows if e.author_id})
        hits = [_hit(e, score, parsed.words, sessions, names) for e, score in found.rows]
        return {
            "hits": hits,
            "total": found.total,
            "total_exact": found.exact,
            "offset": p.offset,
            "limit": p.limit,
            "terms": [list(phrase) for phrase in parsed.phrases],
        }


async def _sessions(session: AsyncSession, ids: set[str | None]) -> dict[str, SessionRecord]:
    found = {}
    for session_id in ids:
        rec = await session.get(SessionRecord, session_id) if session_id else None
        if rec is not None:
            found[rec.id] = rec
    return found


def _hit(
    e: SearchEntry,
    score: float,
    words: frozenset[str],
    sessions: dict[str, SessionRecord],
    names: dict[str, str],
) -> dict[str, Any]:
    text = snippet(e.body or e.title, words)
    title = snippet(e.title, words) if e.title else None
    rec = sessions.get(e.session_id or "")
    offset_ms = None
    if rec is not None and rec.started_at is not None:
        offset_ms = max(0, int((e.at - rec.started_at).total_seconds() * 1000))
    return {
        "kind": e.kind,
        "id": e.ref,
        "room_id": e.room_id,
        "session_id": e.session_id,
        "session_title": rec.title if rec is not None else None,
        "title": e.title,
        "title_highlights": title.highlights if title else [],
        "snippet": text.text,
        "highlights": text.highlights,
        "snippet_marked": text.marked(),
        "at": e.at.isoformat(),
        "answered": e.answered,
        "author": {"user_id": e.author_id, "name": names.get(e.author_id, e.author_id)}
        if e.author_id
        else None,
        "score": round(score, 6),
        "link": {"session_id": e.session_id, "seq": e.seq, "offset_ms": offset_ms}
        if e.session_id
        else None,
    }
