"""What happens in a room goes on the live session's timeline, with what derives from it.

``Recorder`` is the sessions package's ``Recording``: chat and rooms hand it their open unit
of work, so a chat change (with its redaction and search entry) or a role change commits
with its timeline event or not at all. Presence lives in memory, so a presence event is the
only row it makes: ``TimelineTap`` writes it in a unit of its own after the broadcast."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salon.core.notifier import Notifier
from salon.core.recording import Change
from salon.search import repository as search_repo
from salon.search.service import index_chat, new_chat_entry
from salon.sessions import repository as repo
from salon.sessions.live import LiveSessions
from salon.sessions.service import person_data
from salon.sessions.timeline import REDACTED, Timeline
from salon.store.models import SessionRecord, utcnow

log = logging.getLogger("salon.recorder")

PRESENCE_KINDS = {
    "presence:joined": "presence.join",
    "presence:left": "presence.leave",
    "presence:updated": "presence.update",
}


class Recorder:
    """The timeline and the search index, written inside the caller's unit of work."""

    def __init__(self, timeline: Timeline, live: LiveSessions) -> None:
        self._timeline = timeline
        self._live = live

    def live_session(self, room_id: str) -> str | None:
        # Kept current on every node over the bus; no query per chat message.
        return self._live.of(room_id)

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
        rec = await repo.get(session, session_id) if session_id else None
        seq = None
        if rec is not None:
            event = await self._timeline.append(session, rec.id, kind, data, actor=actor, ref=ref)
            seq = event.seq
        if kind.startswith("chat."):
            await self._chat_derived(session, rec, kind, data, seq, ref)
        return seq

    async def record_many(
        self, session: AsyncSession, changes: Sequence[Change]
    ) -> list[int | None]:
        """New chat messages (the group commit's batches) in five statements however many
        there are: their sessions, those sessions' experts, one timeline-seq reservation,
        one multi-row insert of events and one of search entries. Any other kind goes
        through ``record`` one by one, which is what this is equivalent to."""
        if any(c.kind != "chat.message" for c in changes):
            return [
                await self.record(
                    session, c.room_id, c.session_id, c.kind, c.data, actor=c.actor, ref=c.ref
                )
                for c in changes
            ]
        recs = await repo.get_many(session, (c.session_id for c in changes if c.session_id))
        experts = await repo.experts_of(session, list(recs))
        wanted = Counter(c.session_id for c in changes if c.session_id in recs)
        next_seq = await repo.reserve_seqs(session, {k: n for k, n in wanted.items() if k})
        seqs: list[int | None] = []
        events: list[dict[str, Any]] = []
        entries: list[dict[str, Any]] = []
        at = utcnow()
        for c in changes:
            rec = recs.get(c.session_id) if c.session_id else None
            seq = None
            if rec is not None:
                seq = next_seq[rec.id]
                next_seq[rec.id] = seq + 1
                events.append(
                    {
                        "session_id": rec.id,
                        "seq": seq,
                        "at": at,
                        "kind": c.kind,
                        "actor": c.actor,
                        "ref": c.ref,
                        "audience": "all",
                        "subject": None,
                        "dedupe": None,
                        "data": c.data,
                    }
                )
            seqs.append(seq)
            entries.append(new_chat_entry(c.data, rec, experts.get(rec.id, []) if rec else [], seq))
        await repo.insert_events(session, events)
        await search_repo.insert_new(session, entries)
        return seqs

    async def _chat_derived(
        self,
        session: AsyncSession,
        rec: SessionRecord | None,
        kind: str,
        data: dict[str, Any],
        seq: int | None,
        ref: str | None,
    ) -> None:
        """A delete redacts the earlier events and leaves the index; a send or edit is indexed."""
        if kind == "chat.delete":
            if rec is not None and ref is not None:
                await self._timeline.scrub(session, rec.id, ref, REDACTED)
            await search_repo.drop(session, "chat", str(data["id"]))
        elif kind in ("chat.message", "chat.edit"):
            experts = (await repo.experts_of(session, [rec.id])).get(rec.id, []) if rec else []
            # An edit keeps the index's link to the moment the message was first sent.
            first_seq = seq if kind == "chat.message" else None
            await index_chat(session, data, rec, experts, first_seq)

    async def on_room_event(self, room_id: str, event: str, payload: dict[str, Any]) -> None:
        kind = PRESENCE_KINDS.get(event)
        if kind is None:
            return
        try:
            await self._timeline.record(
                room_id, None, kind, person_data(payload), actor=payload.get("user_id")
            )
        except Exception:
            # Presence is already applied and broadcast; its timeline row must not undo that.
            log.exception("recording %s in room %s failed", event, room_id)


class TimelineTap:
    """A Notifier that forwards room events and lets the recorder keep the presence ones."""

    def __init__(self, inner: Notifier, recorder: Recorder) -> None:
        self._inner = inner
        self._recorder = recorder

    async def room_event(self, room_id: str, event: str, payload: dict[str, Any]) -> None:
        await self._inner.room_event(room_id, event, payload)
        await self._recorder.on_room_event(room_id, event, payload)

    async def user_event(self, user_id: str, event: str, payload: dict[str, Any]) -> None:
        await self._inner.user_event(user_id, event, payload)
