"""How a domain change reaches the archive: inside the change's own unit of work.

A change (a chat message, an edit, a role grant) and everything derived from it (the live
session's timeline event, redactions, the search entry) must commit together, so the service
that makes the change hands its open AsyncSession to a ``Recording`` and commits once. The
sessions package implements it; rooms and chat only know this protocol, which keeps the
dependencies pointing down (sessions imports chat and rooms, never the reverse).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True, slots=True)
class Change:
    """One change for ``Recording.record_many``: the arguments of one ``record`` call."""

    room_id: str
    session_id: str | None
    kind: str
    data: dict[str, Any]
    actor: str | None = None
    ref: str | None = None


class Recording(Protocol):
    def live_session(self, room_id: str) -> str | None:
        """The room's live session as this node knows it now (no query), or None."""

    async def record(
        self,
        session: AsyncSession,
        room_id: str,
        session_id: str | None,
        kind: str,
        data: dict[str, Any],
        *,
        actor: str | None = None,
        ref: str | None = None,
    ) -> int | None:
        """Append ``kind`` to the session's timeline and update what derives from it (search
        index, redactions) inside ``session``; the caller commits. The event's seq, or None
        when ``session_id`` is None (derived rows such as a search entry are still written)."""

    async def record_many(
        self, session: AsyncSession, changes: Sequence[Change]
    ) -> list[int | None]:
        """``record`` for each change, in order, inside ``session`` (a group commit): the
        same rows as one call per change, written with a few multi-row statements."""
