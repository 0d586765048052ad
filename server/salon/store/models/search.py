"""The search index table: one row per findable thing (question, answer, chat message,
document, session), kept in step by the services that change them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

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
