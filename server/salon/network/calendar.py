"""Calendars: an iCalendar (.ics) event per scheduled session, and a private feed per person
of the upcoming sessions in their network. The feed URL carries a random token (stored only as
its SHA-256) that reads that one feed and nothing else; rotating it revokes the old URL."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

import icalendar
from sqlalchemy import select

from salon.core.auth import Identity
from salon.core.errors import forbidden, not_found
from salon.network.access import person
from salon.network.feed import FeedService
from salon.rooms.service import RoomService
from salon.store.db import Database
from salon.store.models import (
    ENDED,
    NetworkSettings,
    Room,
    SessionRecord,
    utcnow,
)

PRODID = "-//Salon//Learning network//EN"
# Sessions without a planned length are shown as one hour.
DEFAULT_LENGTH = timedelta(hours=1)
FEED_SIZE = 200


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _event(rec: SessionRecord, room: Room, base_url: str) -> icalendar.Event:
    event = icalendar.Event()
    start = rec.starts_at or rec.started_at or rec.created_at
    event.add("uid", f"session-{rec.id}@salon")
    event.add("dtstamp", utcnow())
    event.add("dtstart", start)
    event.add(
        "dtend", rec.ended_at if rec.status == ENDED and rec.ended_at else start + DEFAULT_LENGTH
    )
    event.add("summary", rec.title)
    url = f"{base_url}/rooms/{room.id}"
    event.add("description", f"{rec.description}\n\n{room.title}: {url}".strip())
    event.add("location", url)
    event.add("url", url)
    if rec.tags:
        event.add("categories", list(rec.tags))
    event.add("status", "CONFIRMED")
    return event


def _calendar(name: str) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    return cal


class CalendarService:
    def __init__(self, db: Database, rooms: RoomService, feed: FeedService) -> None:
        self._db = db
        self._rooms = rooms
        self._feed = feed

    async def session_ics(self, who: Identity, session_id: str, base_url: str) -> bytes:
        async with self._db.read() as s:
            rec = await s.get(SessionRecord, session_id)
            room = await s.get(Room, rec.room_id) if rec is not None else None
        if rec is None or room is None:
            raise not_found("session")
        await self._rooms.require(rec.room_id, who, "viewer", "seeing sessions")
        cal = _calendar(rec.title)
        cal.add_component(_event(rec, room, base_url))
        return bytes(cal.to_ical())

    async def rotate(self, who: Identity) -> str:
        """A new feed token (the old URL stops working); returned once, never stored."""
        if who.is_guest:
            raise forbidden("guests to have a calendar feed")
        token = secrets.token_urlsafe(32)
        async with self._db.unit() as s:
            row = await s.get(NetworkSettings, who.user_id)
            if row is None:
                row = NetworkSettings(user_id=who.user_id, graph_public=False)
                s.add(row)
            row.calendar_token_hash, row.calendar_token_at = _hash(token), utcnow()
        return token

    async def revoke(self, who: Identity) -> bool:
        async with self._db.unit() as s:
            row = await s.get(NetworkSettings, who.user_id)
            had = row is not None and row.calendar_token_hash is not None
            if row is not None:
                row.calendar_token_hash, row.calendar_token_at = None, None
        return had

    async def status(self, who: Identity) -> dict[str, Any]:
        async with self._db.read() as s:
            row = await s.get(NetworkSettings, who.user_id)
        active = row is not None and row.calendar_token_hash is not None
        since = (
            row.calendar_token_at.isoformat() if active and row and row.calendar_token_at else None
        )
        return {"active": active, "since": since}

    async def feed_ics(self, token: str, base_url: str) -> bytes:
        """The feed of whoever holds ``token``: their network's sessions they may see now."""
        if not token or len(token) > 200:
            raise not_found("calendar")
        async with self._db.read() as s:
            owner = await s.scalar(
                select(NetworkSettings.user_id).where(
                    NetworkSettings.calendar_token_hash == _hash(token)
                )
            )
        if owner is None:
            raise not_found("calendar")
        who = person(owner)
        ids = await self._feed.session_ids(who, FEED_SIZE)
        cal = _calendar("Salon: my learning network")
        async with self._db.read() as s:
            rows = list(await s.scalars(select(SessionRecord).where(SessionRecord.id.in_(ids))))
            rooms = {
                r.id: r
                for r in await s.scalars(select(Room).where(Room.id.in_({x.room_id for x in rows})))
            }
        for rec in sorted(rows, key=lambda r: r.starts_at or r.created_at):
            if rec.room_id in rooms:
                cal.add_component(_event(rec, rooms[rec.room_id], base_url))
        return bytes(cal.to_ical())
