"""What happens in a room goes on the live session's timeline: chat (with redactions and the
search index), presence and role changes. Each hook is called after the change itself has
been stored and broadcast, so a failure here is logged and never fails the user's action."""

from __future__ import annotations

import logging
from typing import Any

from salon.core.notifier import Notifier
from salon.rooms import repository as rooms_repo
from salon.search import repository as search_repo
from salon.search.service import index_chat
from salon.sessions import repository as repo
from salon.sessions.service import person_data
from salon.sessions.timeline import REDACTED, Timeline
from salon.store.db import Database

log = logging.getLogger("salon.recorder")

PRESENCE_KINDS = {
    "presence:joined": "presence.join",
    "presence:left": "presence.leave",
    "presence:updated": "presence.update",
}


class Recorder:
    def __init__(self, db: Database, timeline: Timeline) -> None:
        self._db = db
        self._timeline = timeline

    async def on_chat(
        self, room_id: str, session_id: str | None, kind: str, data: dict[str, Any]
    ) -> None:
        """ChatService.record: timeline, redaction and search index for every chat change."""
        try:
            await self._on_chat(room_id, session_id, kind, data)
        except Exception:
            # The message is already stored and broadcast; archiving must not fail the send.
            log.exception("archiving %s in room %s failed", kind, room_id)

    async def _on_chat(
        self, room_id: str, session_id: str | None, kind: str, data: dict[str, Any]
    ) -> None:
        ref = f"chat:{data['id']}"
        actor = data.get("deleted_by") or data.get("user_id")
        async with self._db.unit() as session:
            rec = await repo.get(session, session_id) if session_id else None
            seq = None
            if rec is not None:
                event = await self._timeline.append(
                    session, rec.id, kind, data, actor=actor, ref=ref
                )
                seq = event.seq
            if kind == "chat.delete":
                if rec is not None:
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
            log.exception("recording %s in room %s failed", event, room_id)

    async def on_member_change(self, room_id: str, user_id: str, role: str | None) -> None:
        """Every node hears a role change; the dedupe key makes the timeline hold it once."""
        try:
            async with self._db.read() as session:
                member = await rooms_repo.get_membership(session, room_id, user_id)
            when = member and (member.removed_at or member.granted_at)
            dedupe = f"role:{user_id}:{role}:{when.isoformat() if when else ''}"
            await self._timeline.record(
                room_id,
                None,
                "role.change",
                {"user_id": user_id, "role": role},
                actor=member.granted_by if member else None,
                dedupe=dedupe,
            )
        except Exception:
            log.exception("recording a role change in room %s failed", room_id)


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
