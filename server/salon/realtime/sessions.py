"""session:* events, and notifications:ack (the old name of inbox:read): thin wrappers."""

from __future__ import annotations

import logging
from typing import Annotated

from pydantic import Field

from salon.core.payloads import Id, Payload
from salon.realtime.hub import Ack, Client, Hub
from salon.rooms.service import at_least
from salon.services import Services
from salon.sessions.service import SessionCreate, SessionRef, SessionUpdate

log = logging.getLogger("salon.realtime.sessions")


class RoomSessions(Payload):
    room_id: Id


class NotificationAck(Payload):
    ids: Annotated[list[Annotated[int, Field(ge=1)]], Field(max_length=500)]


class TimelinePage(Payload):
    session_id: Id
    after: Annotated[int, Field(ge=0)] = 0
    limit: Annotated[int, Field(ge=1, le=1000)] = 200


def register(hub: Hub, s: Services) -> None:

    async def schedule(client: Client, p: SessionCreate) -> Ack:
        return {"session": await s.sessions.schedule(client.identity, p)}

    async def update(client: Client, p: SessionUpdate) -> Ack:
        return {"session": await s.sessions.update(client.identity, p)}

    async def start(client: Client, p: SessionRef) -> Ack:
        return {"session": await s.sessions.start(client.identity, p.session_id)}

    async def end(client: Client, p: SessionRef) -> Ack:
        return {"session": await s.sessions.end(client.identity, p.session_id)}

    async def get(client: Client, p: SessionRef) -> Ack:
        return {"session": await s.sessions.get(client.identity, p.session_id)}

    async def in_room(client: Client, p: RoomSessions) -> Ack:
        return {"sessions": await s.sessions.in_room(client.identity, p.room_id)}

    async def current(client: Client, p: RoomSessions) -> Ack:
        live = await s.sessions.current(client.identity, p.room_id)
        questions = await s.qa.questions(client.identity, live["id"], "votes") if live else []
        return {"session": live, "questions": questions}

    async def timeline(client: Client, p: TimelinePage) -> Ack:
        rec, role = await s.sessions.role_in(client.identity, p.session_id)
        host = at_least(role, "host")
        events, after = await s.timeline.page(
            rec.id, client.identity.user_id, host, p.after, p.limit
        )
        return {"events": events, "next_after": after}

    async def ack(client: Client, p: NotificationAck) -> Ack:
        return {"acknowledged": await s.notifications.ack(client.identity.user_id, list(p.ids))}

    hub.handle("session:schedule", SessionCreate, schedule)
    hub.handle("session:update", SessionUpdate, update)
    hub.handle("session:start", SessionRef, start)
    hub.handle("session:end", SessionRef, end)
    hub.handle("session:get", SessionRef, get)
    hub.handle("session:list", RoomSessions, in_room)
    hub.handle("session:current", RoomSessions, current)
    hub.handle("session:timeline", TimelinePage, timeline)
    hub.handle("notifications:ack", NotificationAck, ack)
