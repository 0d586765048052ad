"""Search across the archive: questions, answers, chat, document text and session titles.

The index (store.search) is written by the services as things change, only with what everyone
in the room may see: pending, dismissed, withdrawn and merged questions and deleted chat are
never in it, and anonymous questions are stored without their asker. Queries add the caller's
room visibility on top, so a hit never comes from a room they cannot enter.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Any, NamedTuple

from pydantic import ConfigDict, Field, StringConstraints, field_validator, model_validator
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.core.auth import Identity
from salon.core.errors import SalonError
from salon.core.payloads import Payload
from salon.search import repository as repo
from salon.search.postgres import PostgresBackend
from salon.search.ranking import MIN_SIMILARITY, Ranked, fuse, rank, similarity
from salon.search.repository import Backend, Candidate, Filters, Match, bar_list
from salon.search.semantic.index import SemanticSearch
from salon.search.sqlite import SqliteBackend
from salon.search.text import (
    PART_BREAK,
    ParsedQuery,
    Unit,
    analyzer,
    best_part,
    folded_words,
    index_terms,
    parse_query,
    snippet,
    use_language,
)
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

log = logging.getLogger("salon.search")

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
    rec: SessionRecord | None,
    experts: Sequence[str],
    answers: Sequence[Answer],
) -> None:
    """The question with all its answers in one entry (what a search finds), and each answer
    on its own (found when only answers are asked for); or nothing if they are not for
    everyone's eyes."""
    if q.status not in PUBLIC_STATUSES:
        await repo.drop(s, "question", str(q.id))
        for answer in answers:
            await repo.drop(s, "answer", str(answer.id))
        return
    context = _context(rec, [*experts, *(a.author_id for a in answers)])
    if q.tag:  # an ask-anytime question addressed to a tag is found under it too
        tags = {t for t in context["tags"].split("|") if t} | {q.tag.casefold()}
        context["tags"] = bar_list(sorted(tags))
    answered = q.status == ANSWERED
    votes = await repo.votes_of(s, q.id)
    ordered = sorted(answers, key=lambda a: (a.id != q.accepted_answer_id, a.id))
    await repo.put(
        s,
        "question",
        str(q.id),
        room_id=q.room_id,
        seq=q.answered_seq or q.asked_seq,
        at=q.answered_at or q.created_at,
        title=q.body,
        body=PART_BREAK.join(a.body for a in ordered),
        title_terms=index_terms(q.body),
        terms=index_terms(" ".join(a.body for a in ordered)),
        answered=answered,
        accepted=q.accepted_answer_id is not None,
        votes=votes,
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
            accepted=answer.id == q.accepted_answer_id,
            votes=votes,
            parent=str(q.id),
            author_id=answer.author_id,
            **context,
        )


def _chat_fields(
    message: dict[str, Any], rec: SessionRecord | None, experts: Sequence[str]
) -> dict[str, Any]:
    return {
        "room_id": message["room_id"],
        "at": datetime.fromisoformat(message["created_at"]),
        "title": "",
        "body": message["body"],
        "title_terms": "",
        "terms": index_terms(message["body"]),
        "answered": False,
        "author_id": message["user_id"],
        **_context(rec, experts),
    }


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
    fields = _chat_fields(message, rec, experts)
    # An edit keeps the moment the message was first sent.
    await repo.put(
        s, "chat", str(message["id"]), **({"seq": seq} if seq is not None else {}), **fields
    )


def new_chat_entry(
    message: dict[str, Any], rec: SessionRecord | None, experts: Sequence[str], seq: int | None
) -> dict[str, Any]:
    """The search row ``index_chat`` writes for a new message, as a plain row for a
    multi-row insert (``repository.insert_new``): every column but ``id``."""
    return {
        "kind": "chat",
        "ref": str(message["id"]),
        "seq": seq,
        "parent": None,
        "votes": 0,
        "accepted": False,
        **_chat_fields(message, rec, experts),
    }


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

SUGGESTIONS = 5
# Candidate budget of suggestions while typing (issue 16: p95 <= 30 ms at 100,000 answered
# questions); a search proper ranks up to repository.RARE / WINDOW.
SUGGEST_RARE = 40
SUGGEST_WINDOW = 40
# How long suggestions reuse a word's archive-wide count (CountCache).
COUNT_TTL_S = 60.0
# Answered questions a spelling rescue compares with the query, newest first.
RESCUE_CANDIDATES = 500
RESCUE_SIMILARITY = 0.15
# Nearest Q&As the semantic stage adds to a search's ranking.
NEIGHBOURS = 50


class SearchService:
    def __init__(
        self, db: Database, language: str = "english", semantic: SemanticSearch | None = None
    ) -> None:
        self._db = db
        self._backend: Backend = SqliteBackend() if db.is_sqlite else PostgresBackend()
        self._typing = CountCache(self._backend)
        self._semantic = semantic
        use_language(language)

    @property
    def semantic(self) -> SemanticSearch | None:
        """The semantic stage, when this node runs one (settings.search_semantic)."""
        return self._semantic

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
        vector = self._embedding(p.q, parsed)
        async with self._db.read() as session:
            found = await self._ranked(session, filters, parsed, vector)
            page = found.ranked[p.offset : p.offset + p.limit]
            hits = await _hits(session, page, parsed.words)
            weak = not found.ranked or not found.ranked[0].good
            suggestions = await self._rescue(session, filters, parsed) if weak else []
        end = p.offset + len(page)
        return {
            "hits": hits,
            "total": len(found.ranked),
            "total_exact": found.exact,
            "offset": p.offset,
            "limit": p.limit,
            "next_offset": end if end < len(found.ranked) else None,
            "terms": [list(unit) for unit in parsed.units],
            "good_match": not weak,
            "suggestions": suggestions,
            "semantic": found.semantic,
        }

    async def similar_questions(
        self,
        who: Identity,
        text: str,
        room: str | None = None,
        limit: int = SUGGESTIONS,
        *,
        tag: str | None = None,
        answered: bool = True,
    ) -> list[dict[str, Any]]:
        """Answered questions like ``text`` that ``who`` may read, best first, ranked as the
        search ranks them: for "already answered?" suggestions while someone types. With
        ``answered=False``, open ones too (duplicate proposals for moderators)."""
        try:
            parsed = parse_query(text[:200])
        except SalonError:
            return []  # nothing searchable typed yet
        filters = Filters(
            user_id=who.user_id, room=room, tag=tag, answered=answered, kinds=("question",)
        )
        vector = self._embedding(text[:200], parsed)
        async with self._db.read() as session:
            found = await self._ranked(session, filters, parsed, vector)
            good = [r for r in found.ranked if r.good][:limit]
            return await _hits(session, good, parsed.words)

    async def typed_suggestions(
        self,
        who: Identity,
        text: str,
        room: str | None = None,
        tag: str | None = None,
        *,
        answered: bool = True,
        limit: int = SUGGESTIONS,
    ) -> list[dict[str, Any]]:
        """``similar_questions`` on a tighter candidate budget, for every few keystrokes:
        the same terms, filters and ranking, over at most SUGGEST_RARE matches per query
        word and the newest SUGGEST_WINDOW matches of the whole text (the rare words that
        tell questions apart still bring in every one of their matches up to that bound)."""
        try:
            parsed = parse_query(text[:200])
        except SalonError:
            return []
        filters = Filters(
            user_id=who.user_id, room=room, tag=tag, answered=answered, kinds=("question",)
        )
        vector = self._embedding(text[:200], parsed)
        async with self._db.read() as session:
            found = await self._ranked(
                session, filters, parsed, vector, SUGGEST_RARE, SUGGEST_WINDOW, self._typing
            )
            good = [r for r in found.ranked if r.good][:limit]
            return await _hits(session, good, parsed.words)

    def _embedding(self, text: str, parsed: ParsedQuery) -> asyncio.Task[Any] | None:
        """The query's sentence embedding, started in a worker thread so it runs while the
        database gathers the lexical candidates. None without a semantic stage, and for a
        query with quoted phrases: every hit must hold those, which only words can tell."""
        if self._semantic is None or parsed.required:
            return None
        return asyncio.create_task(self._semantic.embed(text))

    async def _ranked(
        self,
        session: AsyncSession,
        f: Filters,
        parsed: ParsedQuery,
        vector: asyncio.Task[Any] | None = None,
        rare: int = repo.RARE,
        window: int = repo.WINDOW,
        backend: Backend | None = None,
    ) -> _Found:
        where = repo.conditions(f)
        try:
            gathered = await repo.gather(
                session,
                backend or self._backend,
                where,
                Match(parsed.any, parsed.required),
                rare,
                window,
            )
            rows = await repo.ranked_rows(session, gathered.ids)
        except BaseException:
            if vector is not None:
                vector.cancel()
            raise
        ranked = rank(parsed, rows, gathered.counts, gathered.size, gathered.prefix_counts)
        if vector is not None and self._semantic is not None:
            try:
                embedded = await vector
            except Exception:
                # The lexical ranking stands on its own: a failing model costs recall only.
                log.exception("embedding a query failed; this search is lexical only")
                return _Found(ranked, gathered.exact, semantic=False)
            near = await self._semantic.nearest(
                session, embedded, where, NEIGHBOURS, MIN_SIMILARITY
            )
            ranked = fuse(ranked, [(n.id, n.similarity) for n in near])
        return _Found(ranked, gathered.exact, semantic=vector is not None)

    async def _rescue(
        self, session: AsyncSession, f: Filters, parsed: ParsedQuery
    ) -> list[dict[str, Any]]:
        """Answered questions spelled closest to the query: words of their question begin as
        the query's do (a typo past the first letters is forgiven), ordered by trigram
        similarity. Titles only, so the mass of chat is never read."""
        spelled = [w for w in parsed.spelled if not analyzer().is_stop_word(w)]
        starts = tuple(dict.fromkeys((w[:3],) for w in spelled if len(w) >= 3))
        if not starts:
            return []
        where = repo.conditions(replace(f, answered=True, kinds=("question",)))
        found = await self._backend.newest(
            session, where, Match(starts, prefix=True, titles=True), RESCUE_CANDIDATES
        )
        titles = await repo.titles(session, [c.id for c in found])
        typed = " ".join(spelled)
        close = sorted(
            ((similarity(typed, folded_words(title)), id) for id, title in titles), reverse=True
        )
        chosen = [Ranked(id, score, 0.0) for score, id in close[:SUGGESTIONS]]
        return await _hits(
            session, [r for r in chosen if r.score >= RESCUE_SIMILARITY], frozenset()
        )


class CountCache:
    """The backend, with word counts remembered for COUNT_TTL_S: suggestions are asked at
    every few keystrokes with mostly the same words, and a word's count (how rare it is in
    the archive, for ranking weight) barely moves in a minute. Matches are never cached."""

    def __init__(self, backend: Backend, ttl: float = COUNT_TTL_S, size: int = 20_000) -> None:
        self._backend = backend
        self._ttl = ttl
        self._size = size
        self._counts: dict[tuple[Unit, int, bool], tuple[int, float]] = {}

    async def count(self, session: AsyncSession, unit: Unit, cap: int, prefix: bool = False) -> int:
        key = (unit, cap, prefix)
        now = time.monotonic()
        held = self._counts.get(key)
        if held is not None and now - held[1] <= self._ttl:
            return held[0]
        value = await self._backend.count(session, unit, cap, prefix)
        if len(self._counts) >= self._size:
            self._counts.clear()  # a bound, not an LRU: refilled within a few queries
        self._counts[key] = (value, now)
        return value

    async def counts(
        self, session: AsyncSession, units: Sequence[Unit], cap: int, prefix: bool = False
    ) -> dict[Unit, int]:
        """The remembered counts, and the others in one statement."""
        now = time.monotonic()
        found: dict[Unit, int] = {}
        missing: list[Unit] = []
        for unit in dict.fromkeys(units):
            held = self._counts.get((unit, cap, prefix))
            if held is not None and now - held[1] <= self._ttl:
                found[unit] = held[0]
            else:
                missing.append(unit)
        if missing:
            fresh = await self._backend.counts(session, missing, cap, prefix)
            if len(self._counts) + len(fresh) > self._size:
                self._counts.clear()  # a bound, not an LRU: refilled within a few queries
            for unit, value in fresh.items():
                self._counts[(unit, cap, prefix)] = (value, now)
            found.update(fresh)
        return found

    async def newest(
        self, session: AsyncSession, where: Sequence[ColumnElement[bool]], match: Match, limit: int
    ) -> list[Candidate]:
        return await self._backend.newest(session, where, match, limit)


class _Found(NamedTuple):
    ranked: list[Ranked]
    exact: bool
    semantic: bool = False


async def _hits(
    session: AsyncSession, page: Sequence[Ranked], words: frozenset[str]
) -> list[dict[str, Any]]:
    entries = await repo.entries(session, [r.id for r in page])
    sessions = await _sessions(session, {e.session_id for e in entries.values()})
    names = await names_of(session, {e.author_id for e in entries.values() if e.author_id})
    return [_hit(entries[r.id], r, words, sessions, names) for r in page if r.id in entries]


async def _sessions(session: AsyncSession, ids: set[str | None]) -> dict[str, SessionRecord]:
    wanted = sorted(i for i in ids if i)
    if not wanted:
        return {}
    found = await session.scalars(select(SessionRecord).where(SessionRecord.id.in_(wanted)))
    return {rec.id: rec for rec in found}


def _hit(
    e: SearchEntry,
    ranked: Ranked,
    words: frozenset[str],
    sessions: dict[str, SessionRecord],
    names: dict[str, str],
) -> dict[str, Any]:
    # A question's snippet comes from its best part: the question or one of its answers.
    parts = [e.title, *e.body.split(PART_BREAK)] if e.kind == "question" else [e.body or e.title]
    text = snippet(best_part([p for p in parts if p], words), words)
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
        "accepted": e.accepted,
        "votes": e.votes,
        "author": {"user_id": e.author_id, "name": names.get(e.author_id, e.author_id)}
        if e.author_id
        else None,
        "score": round(ranked.score, 6),
        "similarity": None if ranked.similarity is None else round(ranked.similarity, 4),
        "link": {"session_id": e.session_id, "seq": e.seq, "offset_ms": offset_ms}
        if e.session_id
        else None,
    }
