"""Bans: a person (or an address) kept out of one room or of the whole server."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from salon.store.models.base import Base, UTCDateTime, new_id, utcnow


class Ban(Base):
    __tablename__ = "bans"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    # NULL: the whole server (set by an operator); else the room a host banned them from.
    room_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # Exactly one of user_id and address is set.
    user_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    address: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # NULL: until lifted.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_bans_room_id", "room_id"),)
