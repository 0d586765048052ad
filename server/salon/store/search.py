"""The search index: one row per findable thing (question, answer, chat message, document,
session), kept in step by the services that change them. Full-text matching lives in the
backend modules: ``search_sqlite`` (FTS5) and ``search_pg`` (tsvector + GIN)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    ForeignKey,
    Index,
    Select,
    String,
    Text,
    UniqueConstraint,
    and_,
    delete,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from salon.store.models import Base, BigId, Membership, Room, UTCDateTime, utcnow

KINDS = ("question", "answer", "chat", "document", "session")


class SearchEntry(Base):
    __tablename__ = "search_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(240))
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id"))
    session_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # Folded word lists (salon.searchtext.index_terms): what the full-text index covers.
    title_terms: Mapped[str] = mapped_column(Text, default="")
    terms: Mapped[str] = mapped_column(Text, default="")
    # "|a|b|" lists so one LIKE finds a member on either backend.
    tags: Mapped[str] = mapped_column(Text, default="||")
    people: Mapped[str] = mapped_column(Text, default="||")
    answered: Mapped[bool] = mapped_column(default=False)
    # None when the author must stay hidden (anonymous questions).
    author_id: Mapped[str | None] = mapped_column(String(128), nullable=True)

    __table_args__ = (
        UniqueConstraint("kind", "ref", name="uq_search_kind_ref"),
        Index("ix_search_room", "room_id"),
        Index("ix_search_session", "session_id"),
    )


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


def filtered(f: Filters) -> Select[Any]:
    stmt = select(SearchEntry).where(
        SearchEntry.room_id.in_(visible_rooms(f.user_id)), SearchEntry.kind.in_(f.kinds)
    )
    if f.room:
        stmt = stmt.where(SearchEntry.room_id == f.room)
    if f.tag:
        stmt = stmt.where(like_member(SearchEntry.tags, f.tag.casefold()))
    if f.expert:
        stmt = stmt.where(like_member(SearchEntry.people, f.expert))
    if f.since:
        stmt = stmt.where(SearchEntry.at >= f.since)
    if f.until:
        stmt = stmt.where(SearchEntry.at <= f.until)
    if f.answered:
        stmt = stmt.where(SearchEntry.answered.is_(True))
    return stmt


class Backend(Protocol):
    """Adds the full-text match to a filtered query and says how to rank it (higher = better)."""

    def match(
        self, stmt: Select[Any], match_text: str
    ) -> tuple[Select[Any], ColumnElement[float]]: ...


async def run(
    session: AsyncSession,
    backend: Backend,
    f: Filters,
    match_text: str,
    offset: int,
    limit: int,
) -> tuple[list[tuple[SearchEntry, float]], int]:
    stmt, score = backend.match(filtered(f), match_text)
    total = await session.scalar(select(func.count()).select_from(stmt.subquery()))
    ranked = (
        stmt.add_columns(score.label("score"))
        .order_by(score.desc(), SearchEntry.at.desc(), SearchEntry.id)
        .offset(offset)
        .limit(limit)
    )
    rows = await session.execute(ranked)
    return [(entry, float(value)) for entry, value in rows], int(total or 0)
