"""Raised hands in the archive, so a hand survives a node restart or a move to another node.

Presence lives in each node's memory; a hand is the one part of it a person set on purpose
and expects to find again after a reconnect. It is written when raised or lowered, read when
the person joins (again), and cleared when they leave the room on purpose or are removed. A
dropped connection that never comes back leaves the row; it is restored only within
``RESTORE_WITHIN`` seconds of being raised, so a hand is not found raised days later."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from salon.core.errors import is_outage
from salon.store.db import Database
from salon.store.models import RaisedHand, utcnow

RESTORE_WITHIN = 3600.0


class RaisedHands:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def is_raised(self, room_id: str, user_id: str) -> bool:
        """Whether to restore the hand; an unreachable archive restores nothing (the join
        must not fail for it)."""
        try:
            async with self._db.read() as session:
                raised_at = await session.scalar(
                    select(RaisedHand.raised_at).where(
                        RaisedHand.room_id == room_id, RaisedHand.user_id == user_id
                    )
                )
        except Exception as error:
            if is_outage(error):
                return False
            raise
        return raised_at is not None and utcnow() - raised_at < timedelta(seconds=RESTORE_WITHIN)

    async def set(self, room_id: str, user_id: str, raised: bool) -> None:
        """Record the hand (raises ``unavailable`` when the archive is unreachable)."""
        async with self._db.unit() as session:
            await session.execute(
                delete(RaisedHand).where(
                    RaisedHand.room_id == room_id, RaisedHand.user_id == user_id
                )
            )
            if raised:
                session.add(RaisedHand(room_id=room_id, user_id=user_id))
