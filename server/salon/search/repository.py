"""The search index's repository calls and the backend-neutral part of a query: which
entries a search ranks. Full-text matching lives in the backend modules: ``sqlite`` (FTS5)
and ``postgres`` (tsvector + GIN); ranking in ``ranking``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from salon.search.text import Unit
from salon.store.models import (
    KINDS,
    Membership,
    QuestionVote,
    Room,
    SearchEntry,
    SearchVectorQueue,
)


def bar_list(values: Sequence[str]) -> str:
    return "|" + "|".join(v.replace("|", "/") for v in values) + "|"


# Entries the semantic stage of search embeds (salon.search.semantic): a question holds its
# answers, which is what a learner's question should land on. Chat stays lexical: embedding
# every message would cost the CPU that chat itself needs.
EMBEDDED_KINDS = ("question",)


async def put(session: AsyncSession, kind: str, ref: str, **fields: Any) -> None:
    entry = await session.scalar(
        select(SearchEntry).where(SearchEntry.kind == kind, SearchEntry.ref == ref)
    )
    changed = entry is None
    if entry is None:
        entry = SearchEntry(kind=kind, ref=ref, **fields)
        session.add(entry)
    else:
        changed = any(
            fields.get(name, getattr(entry, name)) != getattr(entry, name)
            for name in ("title", "body")
        )
        for name, value in fields.items():
            setattr(entry, name, value)
    await session.flush()
    if changed and kind in EMBEDDED_KINDS:
        # Embedded again in the background; until then the old vector (if any) stands.
        session.add(SearchVectorQueue(entry_id=entry.id))
        await session.flush()


async def insert_new(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Entries for things that have none yet (a new chat message), one multi-row INSERT;
    every row has every column but ``id``. The full-text index follows by trigger (SQLite)
    or generated column (PostgreSQL), as for ``put``."""
    if rows:
        await session.execute(insert(cast(Table, SearchEntry.__table__)), list(rows))


async def drop(session: AsyncSession, kind: str, ref: str) -> None:
    await session.execute(
        delete(SearchEntry).where(SearchEntry.kind == kind, SearchEntry.ref == ref)
    )


def visible_rooms(user_id: str) -> Select[Any]:
    """Rooms this person may look into: their own memberships, and public rooms they were
    not removed from."""
    mine = select(Membership.room_id).where(
        Membership.user_id == user_id, Membership.removed_at.is_(None)
    )
    barred = select(Membership.room_id).where(
        Membership.user_id == user_id, Membership.removed_at.is_not(None)
    )
    return select(Room.id).where(
        or_(and_(Room.visibility == "public", Room.id.not_in(barred)), Room.id.in_(mine))
    )


def like_member(column: Any, value: str) -> ColumnElement[bool]:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    result: ColumnElement[bool] = column.like(f"%|{escaped}|%", escape="\\")
    return result


@dataclass(frozen=True, slots=True)
class Filters:
    user_id: str
    room: str | None = None
    tag: str | None = None
    expert: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    answered: bool = False
    kinds: tuple[str, ...] = KINDS


def conditions(f: Filters) -> list[ColumnElement[bool]]:
    """What an entry must be, besides matching the words, to be found by this search."""
    where: list[ColumnElement[bool]] = [
        SearchEntry.room_id.in_(visible_rooms(f.user_id)),
        SearchEntry.kind.in_(f.kinds),
    ]
    if f.room:
        where.append(SearchEntry.room_id == f.room)
    if f.tag:
        where.append(like_member(SearchEntry.tags, f.tag.casefold()))
    if f.expert:
        where.append(like_member(SearchEntry.people, f.expert))
    if f.since:
        where.append(SearchEntry.at >= f.since)
    if f.until:
        where.append(SearchEntry.at <= f.until)
    if f.answered:
        where.append(SearchEntry.answered.is_(True))
    return where


@dataclass(frozen=True, slots=True)
class Candidate:
    id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class Match:
    """What a backend matches: at least one of ``any`` (each a term or a phrase), and every
    one of ``required``. With ``prefix``, the ``any`` terms match words they begin; with
    ``titles``, only in titles (questions, sessions, documents: not the mass of chat)."""

    any: tuple[Unit, ...] = ()
    required: tuple[Unit, ...] = ()
    prefix: bool = False
    titles: bool = False

    @property
    def units(self) -> tuple[Unit, ...]:
        return self.any + self.required


class Backend(Protocol):
    async def count(self, session: AsyncSession, unit: Unit, cap: int, prefix: bool = False) -> int:
        """How many entries of the whole archive hold ``unit`` (with ``prefix``: a word that
        begins with it), counted up to ``cap``."""
        ...

    async def counts(
        self, session: AsyncSession, units: Sequence[Unit], cap: int, prefix: bool = False
    ) -> dict[Unit, int]:
        """``count`` of each of ``units``, all in one statement (one round trip, however many
        words were typed)."""
        ...

    async def newest(
        self,
        session: AsyncSession,
        where: Sequence[ColumnElement[bool]],
        match: Match,
        limit: int,
    ) -> list[Candidate]:
        """Up to ``limit`` entries meeting ``where`` and ``match``, newest (highest id) first.
        Reads about as many matches as it returns, however many there are."""
        ...


# Ranking every match of a very common word costs a second on a million messages (issue 8),
# so a search ranks a bounded set: every match of each query word that fewer than RARE
# entries hold (the words that tell entries apart), and the newest WINDOW matches of the
# whole query (which is where entries holding only common words come from).
RARE = 400
WINDOW = 400
# Shorter words would find too many others ("api" in "apiary" is rare; "log" in "login" not).
MIN_PREFIX = 4


@dataclass(frozen=True, slots=True)
class Gathered:
    ids: list[int]
    # Whether every match of the query is among ids.
    exact: bool
    # Entries of the archive holding each unit (capped at RARE).
    counts: dict[Unit, int]
    # Entries holding a longer word that begins with the query word (capped at RARE).
    prefix_counts: dict[str, int]
    # About how many entries the archive holds, for word rarity.
    size: int


async def gather(
    session: AsyncSession,
    backend: Backend,
    where: Sequence[ColumnElement[bool]],
    query: Match,
    rare: int = RARE,
    window: int = WINDOW,
) -> Gathered:
    """The candidates of a search, at most ``rare`` per query word plus ``window``. A query
    word also finds longer words it begins ("postgres" finds "postgresql", "prod" finds
    "production") when they are rare enough to tell entries apart."""
    # First: a backend may steer its planner for the counts below (PostgreSQL turns index
    # scans off), and this wants the primary key.
    size = int(await session.scalar(select(func.max(SearchEntry.id))) or 0)
    counts = await backend.counts(session, query.units, rare)
    # A word already in RARE entries finds enough on its own: its longer forms go uncounted.
    stems = [
        u[0] for u in query.any if len(u) == 1 and len(u[0]) >= MIN_PREFIX and counts[u] < rare
    ]
    by_prefix = await backend.counts(session, [(w,) for w in stems], rare, prefix=True)
    prefix_counts = {u[0]: n for u, n in by_prefix.items()}
    rare_units = tuple(u for u in query.any if counts[u] < rare)
    ids: dict[int, None] = {}
    if rare_units:
        found = await backend.newest(
            session, where, Match(rare_units, query.required), rare * min(len(rare_units), 2)
        )
        ids.update((c.id, None) for c in found)
    rare_prefixes = tuple((w,) for w, n in prefix_counts.items() if counts[(w,)] < n < rare)
    if rare_prefixes:
        found = await backend.newest(
            session, where, Match(rare_prefixes, query.required, prefix=True), rare
        )
        ids.update((c.id, None) for c in found)
    common = len(rare_units) < len(query.any) or not query.any
    exact = True
    if common:
        found = await backend.newest(session, where, query, window + 1)
        exact = len(found) <= window
        ids.update((c.id, None) for c in found[:window])
    return Gathered(list(ids), exact, counts, prefix_counts, max(size, 1))


RANKED_COLUMNS = (
    SearchEntry.id,
    SearchEntry.kind,
    SearchEntry.ref,
    SearchEntry.parent,
    SearchEntry.at,
    SearchEntry.title_terms,
    SearchEntry.terms,
    SearchEntry.answered,
    SearchEntry.accepted,
    SearchEntry.votes,
)


async def ranked_rows(session: AsyncSession, ids: Sequence[int]) -> list[Any]:
    """What ranking reads of each candidate: no display text."""
    rows: list[Any] = []
    for start in range(0, len(ids), 900):  # stay below SQLite's bound-parameter limit
        chunk = ids[start : start + 900]
        rows += list(
            await session.execute(select(*RANKED_COLUMNS).where(SearchEntry.id.in_(chunk)))
        )
    return rows


async def titles(session: AsyncSession, ids: Sequence[int]) -> list[tuple[int, str]]:
    rows = await session.execute(
        select(SearchEntry.id, SearchEntry.title).where(SearchEntry.id.in_(ids))
    )
    return [(id, title) for id, title in rows]


async def votes_of(session: AsyncSession, question_id: int) -> int:
    count = select(func.count()).where(QuestionVote.question_id == question_id)
    return int(await session.scalar(count) or 0)


async def entries(session: AsyncSession, ids: Sequence[int]) -> dict[int, SearchEntry]:
    found = await session.scalars(select(SearchEntry).where(SearchEntry.id.in_(ids)))
    return {e.id: e for e in found}
