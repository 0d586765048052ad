"""Sessions: a host schedules one in a room, starts it (the room goes live) and ends it (the
session becomes an archived record). While a session is live everything that happens in the
room is appended to its timeline (salon.recorder hooks chat, presence and role changes; Q&A
writes its own events). Documents reach sessions only through the DocumentsPort below.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated, Any, Protocol

from pydantic import Field, Strict, StringConstraints
from sqlalchemy.exc import IntegrityError

from salon.core.auth import Identity
from salon.core.errors import SalonError, not_found
from salon.core.notifier import Notifier
from salon.core.payloads import Id, Payload, Tag, Title
from salon.network.activity import Activity
from salon.rooms.presence import PresenceService
from salon.rooms.service import RoomService, at_least
from salon.search.service import index_document, index_session
from salon.sessions import repository as repo
from salon.sessions.live import LiveSessions
from salon.sessions.timeline import Timeline
from salon.store.db import Database
from salon.store.models import (
    ENDED,
    LIVE,
    SCHEDULED,
    SessionDocument,
    SessionExpert,
    SessionRecord,
    utcnow,
)

log = logging.getLogger("salon.sessions")

Description = Annotated[str, StringConstraints(max_length=5000)]
When = Annotated[datetime, Strict(False)]


class DocumentsPort(Protocol):
    """What sessions and Q&A need from the documents feature (salon.documents.notes)."""

    async def list_docs(self, room_id: str) -> list[str]:
        """Names of the room's documents."""

    async def text_of(self, room_id: str, doc_name: str) -> str:
        """The current plain text of one document."""

    async def append_text(self, room_id: str, doc_name: str, text: str, author: str) -> None:
        """Append a paragraph to a document, as an edit by ``author`` (a user id)."""


class SessionCreate(Payload):
    room_id: Id
    title: Title
    description: Description = ""
    starts_at: When | None = None
    experts: Annotated[list[Id], Field(max_length=20)] = []
    tags: Annotated[list[Tag], Field(max_length=20)] = []
    moderated: bool = False


class SessionUpdate(Payload):
    session_id: Id
    title: Title | None = None
    description: Description | None = None
    starts_at: When | None = None
    tags: Annotated[list[Tag], Field(max_length=20)] | None = None
    moderated: bool | None = None


class SessionRef(Payload):
    session_id: Id


def session_dict(rec: SessionRecord, experts: list[str]) -> dict[str, Any]:
    def stamp(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": rec.id,
        "room_id": rec.room_id,
        "title": rec.title,
        "description": rec.description,
        "tags": list(rec.tags),
        "experts": experts,
        "status": rec.status,
        "live": rec.status == LIVE,
        "moderated": rec.moderated,
        "created_by": rec.created_by,
        "created_at": stamp(rec.created_at),
        "starts_at": stamp(rec.starts_at),
        "started_at": stamp(rec.started_at),
        "ended_at": stamp(rec.ended_at),
        "last_seq": rec.timeline_seq,
    }


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class SessionService:
    def __init__(
        self,
        db: Database,
        rooms: RoomService,
        notifier: Notifier,
        timeline: Timeline,
        presence: PresenceService,
        documents: DocumentsPort,
        live: LiveSessions,
        activity: Activity,
    ) -> None:
        self._db = db
        self._activity = activity
        self._rooms = rooms
        self._notifier = notifier
        self._timeline = timeline
        self._presence = presence
        self._documents = documents
        self._live = live

    async def announce_heads(self, room_ids: Iterable[str]) -> None:
        """After a bus outage: tell each room with a live session how far its timeline has
        got (``session:head``). Timeline seqs have no gaps, so a client that holds less fetches
        the range (``session:timeline {after}``) and sees the Q&A changes other nodes
        broadcast while the bus was down; one that holds it all changes nothing."""
        for room_id in room_ids:
            async with self._db.read() as session:
                rec = await repo.live_in(session, room_id)
            if rec is not None:
                head = {"room_id": room_id, "session_id": rec.id, "seq": rec.timeline_seq}
                await self._notifier.room_event(room_id, "session:head", head)

    # -- lifecycle -------------------------------------------------------------------------

    async def schedule(self, who: Identity, p: SessionCreate) -> dict[str, Any]:
        await self._rooms.require(p.room_id, who, "host", "scheduling sessions")
        if await self._rooms.is_archived(p.room_id):
            raise SalonError("room_archived", "this room is archived")
        experts = list(dict.fromkeys(p.experts))
        for user_id in experts:
            await self._make_expert(p.room_id, who, user_id)
        async with self._db.unit() as session:
            rec = SessionRecord(
                room_id=p.room_id,
                title=p.title,
                description=p.description,
                tags=list(p.tags),
                moderated=p.moderated,
                created_by=who.user_id,
                starts_at=_utc(p.starts_at),
            )
            session.add(rec)
            await session.flush()
            for user_id in experts:
                session.add(SessionExpert(session_id=rec.id, user_id=user_id))
            await index_session(session, rec, experts)
            notes = await self._activity.session_changed(
                session, rec, experts, "scheduled", who.user_id
            )
        await self._activity.after(notes)
        data = session_dict(rec, experts)
        await self._notifier.room_event(rec.room_id, "session:scheduled", data)
        return data

    async def _make_expert(self, room_id: str, who: Identity, user_id: str) -> None:
        person = Identity(user_id, user_id, user_id.startswith("guest:"))
        if not at_least(await self._rooms.role_of(room_id, person), "expert"):
            await self._rooms.set_role(room_id, who, user_id, "expert")

    async def update(self, who: Identity, p: SessionUpdate) -> dict[str, Any]:
        await self._host_session(p.session_id, who, "changing sessions")
        fields = p.model_dump(exclude_none=True, exclude={"session_id"})
        async with self._db.unit() as session:
            rec = await self._get(session, p.session_id, lock=True)
            if rec.status == ENDED and set(fields) - {"title", "description", "tags"}:
                raise SalonError("conflict", "the session has ended")
            for name, value in fields.items():
                setattr(rec, name, _utc(value) if name == "starts_at" else value)
            experts = (await repo.experts_of(session, [rec.id])).get(rec.id, [])
            await index_session(session, rec, experts)
            if rec.status == LIVE:
                await self._timeline.append(
                    session, rec.id, "session.updated", _jsonable(fields), actor=who.user_id
                )
        data = session_dict(rec, experts)
        await self._notifier.room_event(rec.room_id, "session:updated", data)
        return data

    async def start(self, who: Identity, session_id: str) -> dict[str, Any]:
        try:
            return await self._start(who, session_id)
        except IntegrityError:
            raise SalonError("conflict", "another session is live in this room") from None

    async def _start(self, who: Identity, session_id: str) -> dict[str, Any]:
        rec = await self._host_session(session_id, who, "starting sessions")
        async with self._db.unit() as session:
            rec = await self._get(session, session_id, lock=True)
            if rec.status != SCHEDULED:
                raise SalonError("conflict", f"the session is {rec.status}")
            if await repo.live_in(session, rec.room_id) is not None:
                raise SalonError("conflict", "another session is live in this room")
            rec.status, rec.started_at = LIVE, utcnow()
            await self._timeline.append(
                session, rec.id, "session.started", {"title": rec.title}, actor=who.user_id
            )
            # People already in the room are the first participants.
            for person in self._presence.list(rec.room_id):
                await self._timeline.append(
                    session, rec.id, "presence.join", person_data(person), actor=person["user_id"]
                )
            experts = (await repo.experts_of(session, [rec.id])).get(rec.id, [])
            await index_session(session, rec, experts)
            notes = await self._activity.session_changed(
                session, rec, experts, "started", who.user_id
            )
        await self._activity.after(notes)
        await self._live.changed(rec.room_id, rec.id)
        data = session_dict(rec, experts)
        await self._notifier.room_event(rec.room_id, "session:started", data)
        return data

    async def end(self, who: Identity, session_id: str) -> dict[str, Any]:
        rec = await self._host_session(session_id, who, "ending sessions")
        if rec.status != LIVE:
            raise SalonError("conflict", f"the session is {rec.status}")
        documents = await self._final_documents(rec.room_id)
        async with self._db.unit() as session:
            rec = await self._get(session, session_id, lock=True)
            if rec.status != LIVE:
                raise SalonError("conflict", f"the session is {rec.status}")
            rec.status, rec.ended_at = ENDED, utcnow()
            rec.participants = await self._participants(session, rec.id)
            event = await self._timeline.append(
                session,
                rec.id,
                "session.ended",
                {"documents": sorted(documents)},
                actor=who.user_id,
            )
            experts = (await repo.experts_of(session, [rec.id])).get(rec.id, [])
            for name, text in documents.items():
                session.add(SessionDocument(session_id=rec.id, name=name, text=text))
                await index_document(session, rec, experts, name, text, event.seq)
            await index_session(session, rec, experts)
            notes = await self._activity.session_changed(
                session, rec, experts, "ended", who.user_id
            )
        await self._activity.after(notes)
        await self._live.changed(rec.room_id, None)
        data = session_dict(rec, experts)
        await self._notifier.room_event(rec.room_id, "session:ended", data)
        return data

    async def _final_documents(self, room_id: str) -> dict[str, str]:
        port = self._documents
        try:
            return {
                name: await port.text_of(room_id, name) for name in await port.list_docs(room_id)
            }
        except Exception:
            # Ending must not fail because a document could not be read; the log says which.
            log.exception("capturing the final documents of room %s failed", room_id)
            return {}

    async def _participants(self, session: Any, session_id: str) -> list[dict[str, Any]]:
        seen: dict[str, dict[str, Any]] = {}
        after = 0
        while page := await repo.timeline_page(session, session_id, after, 1000):
            for event in page:
                if event.kind == "presence.join" and event.actor not in seen:
                    seen[event.actor or ""] = event.data
            after = page[-1].seq
        return list(seen.values())

    # -- reading ---------------------------------------------------------------------------

    async def get(self, who: Identity, session_id: str) -> dict[str, Any]:
        async with self._db.read() as session:
            rec = await self._get(session, session_id)
            experts = (await repo.experts_of(session, [rec.id])).get(rec.id, [])
            docs = [d.name for d in await repo.documents_of(session, rec.id)]
        await self._rooms.require(rec.room_id, who, "viewer", "seeing sessions")
        data = session_dict(rec, experts)
        if rec.status == ENDED:
            data["participants"], data["documents"] = rec.participants, docs
        return data

    async def current(self, who: Identity, room_id: str) -> dict[str, Any] | None:
        """The room's live session, if any: what someone joining mid-session needs first."""
        await self._rooms.require(room_id, who, "viewer", "seeing sessions")
        async with self._db.read() as session:
            rec = await repo.live_in(session, room_id)
            if rec is None:
                return None
            experts = (await repo.experts_of(session, [rec.id])).get(rec.id, [])
        return session_dict(rec, experts)

    async def in_room(self, who: Identity, room_id: str) -> list[dict[str, Any]]:
        await self._rooms.require(room_id, who, "viewer", "seeing sessions")
        async with self._db.read() as session:
            rows = await repo.in_room(session, room_id)
            experts = await repo.experts_of(session, [r.id for r in rows])
        return [session_dict(r, experts.get(r.id, [])) for r in rows]

    async def role_in(self, who: Identity, session_id: str) -> tuple[SessionRecord, str]:
        """The session and the caller's role in its room (at least viewer)."""
        async with self._db.read() as session:
            rec = await self._get(session, session_id)
        return rec, await self._rooms.require(rec.room_id, who, "viewer", "seeing sessions")

    async def _host_session(self, session_id: str, who: Identity, action: str) -> SessionRecord:
        async with self._db.read() as session:
            rec = await self._get(session, session_id)
        await self._rooms.require(rec.room_id, who, "host", action)
        return rec

    async def _get(self, session: Any, session_id: str, lock: bool = False) -> SessionRecord:
        rec = await (repo.get_locked if lock else repo.get)(session, session_id)
        if rec is None:
            raise not_found("session")
        return rec


def person_data(p: dict[str, Any]) -> dict[str, Any]:
    return {k: p[k] for k in ("user_id", "name", "role", "hand_raised") if k in p}


def _jsonable(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in fields.items()}
