"""The search index's repository calls and the backend-neutral part of a query. Full-text
matching lives in the backend modules: ``sqlite`` (FTS5) and ``postgres`` (tsvector + GIN)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    delete,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from salon.search.text import ParsedQuery
from salon.store.models import KINDS, Membership, Room, SearchEntry


def bar_list(values: Sequence[str]) -> str:
    return "|" + "|".join(v.replace("|", "/") for v in values) + "|"


async def put(session: AsyncSession, kind: str, ref: str, **fields: Any) -> None:
    entry = await session.scalar(
        select(SearchEntry).where(SearchEntry.kind == kind, SearchEntry.ref == ref)
    )
    if entry is None:
        session.add(SearchEntry(kind=kind, ref=ref, **fields))
    else:
        for name, value in fields.items():
            setattr(entry, name, value)
    await session.flush()


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
    score: float  # higher is better


class Backend(Protocol):
    async def newest(
        self,
        session: AsyncSession,
        where: Sequence[ColumnElement[bool]],
        query: ParsedQuery,
        limit: int,
        before: int | None = None,
        skip: int = 0,
    ) -> list[Candidate]:
        """Up to ``limit`` entries meeting ``where`` and matching ``query``, newest (highest id)
        first, below id ``before``, after skipping ``skip``. Reads about as many matches as it
        returns, however many there are. When fewer than ``limit`` come back from the newest
        on, they are all the matches and their scores rank them exactly; otherwise the scores
        need only rank the returned entries among themselves."""
        ...


# Counting and ranking every match of a very common word costs a second on a million
# messages (issue 8), so a search looks at no more than this many matches, newest first.
WINDOW = 1000


@dataclass(frozen=True, slots=True)
class Found:
    rows: list[tuple[SearchEntry, float]]
    # All the matches when exact; else the window's size, and there are more.
    total: int
    exact: bool


def _best_first(c: Candidate) -> tuple[float, float, int]:
    return (-c.score, -c.at.timestamp(), c.id)


async def run(
    session: AsyncSession,
    backend: Backend,
    f: Filters,
    query: ParsedQuery,
    offset: int,
    limit: int,
    window: int = WINDOW,
) -> Found:
    """One page of the matches, best first. When at most ``window`` entries match, every one
    is ranked. When more do, the newest ``window`` (by id: when they were first indexed) are
    ranked and come first, and the older matches follow, newest first."""
    where = conditions(f)
    found = await backend.newest(session, where, query, window + 1)
    exact = len(found) <= window
    newest = found[:window]
    page = sorted(newest, key=_best_first)[offset : offset + limit]
    if not exact and offset + limit > window:
        skip = max(0, offset - window)
        wanted = offset + limit - window - skip
        page += await backend.newest(session, where, query, wanted, newest[-1].id, skip)
    ids = [c.id for c in page]
    entries = {
        e.id: e for e in await session.scalars(select(SearchEntry).where(SearchEntry.id.in_(ids)))
    }
    rows = [(entries[c.id], c.score) for c in page if c.id in entries]
    return Found(rows, len(newest), exact)
