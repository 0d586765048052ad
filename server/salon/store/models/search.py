"""The search index table: one row per findable thing (question, answer, chat message,
document, session), kept in step by the services that change them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false

from salon.store.models.base import Base, BigId, UTCDateTime, utcnow

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
    # Index terms (salon.search.text.index_terms: folded, stemmed): what the full-text index
    # covers.
    title_terms: Mapped[str] = mapped_column(Text, default="")
    terms: Mapped[str] = mapped_column(Text, default="")
    # "|a|b|" lists so one LIKE finds a member on either backend.
    tags: Mapped[str] = mapped_column(Text, default="||")
    people: Mapped[str] = mapped_column(Text, default="||")
    answered: Mapped[bool] = mapped_column(default=False)
    # None when the author must stay hidden (anonymous questions).
    author_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    # An answer's question (its ref), so a search shows each Q&A once.
    parent: Mapped[str | None] = mapped_column(String(240), nullable=True)
    # Ranking signals of questions and answers: upvotes, and an accepted answer.
    votes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    accepted: Mapped[bool] = mapped_column(default=False, server_default=false())

    __table_args__ = (
        UniqueConstraint("kind", "ref", name="uq_search_kind_ref"),
        Index("ix_search_room", "room_id"),
        Index("ix_search_session", "session_id"),
    )


class SearchVector(Base):
    """The sentence embedding of one search entry (the optional semantic stage of search,
    salon.search.semantic): float32 values, unit length. Replaced, with a new id, whenever
    the entry's text changes, so a node loads what changed by id."""

    __tablename__ = "search_vectors"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("search_entries.id", ondelete="CASCADE"), unique=True
    )
    model: Mapped[str] = mapped_column(String(64))
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class SearchVectorQueue(Base):
    """Entries whose text changed since they were embedded, written in the unit of work of
    the change (one row per change of a Q&A) and drained by the semantic indexer."""

    __tablename__ = "search_vector_queue"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(BigId, index=True)
