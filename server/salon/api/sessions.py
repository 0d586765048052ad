"""/api/v1/rooms/{id}/sessions, /api/v1/sessions/{id}: lifecycle, timeline, export;
/api/v1/notifications: what the caller has not acknowledged yet."""

from __future__ import annotations

from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from salon.api.common import body, endpoint, identity, ok, path, query
from salon.core.payloads import Payload
from salon.rooms.service import at_least
from salon.services import Services
from salon.sessions.service import SessionCreate, SessionUpdate

P = TypeVar("P", bound=BaseModel)


class TimelineQuery(Payload):
    after: Annotated[int, Field(ge=0)] = 0
    limit: Annotated[int, Field(ge=1, le=1000)] = 200


class ExportQuery(Payload):
    format: Literal["markdown", "json"] = "markdown"


class AckBody(Payload):
    ids: Annotated[list[Annotated[int, Field(ge=1)]], Field(max_length=500)]


def routes(s: Services) -> list[Route]:

    @endpoint
    async def schedule(request: Request) -> Response:
        who = await identity(request, s)
        p = await body(request, SessionCreate, s, room_id=path(request, "room_id"))
        return ok(201, session=await s.sessions.schedule(who, p))

    @endpoint
    async def in_room(request: Request) -> Response:
        who = await identity(request, s)
        return ok(sessions=await s.sessions.in_room(who, path(request, "room_id")))

    @endpoint
    async def current(request: Request) -> Response:
        who = await identity(request, s)
        return ok(session=await s.sessions.current(who, path(request, "room_id")))

    @endpoint
    async def get(request: Request) -> Response:
        who = await identity(request, s)
        return ok(session=await s.sessions.get(who, path(request, "session_id")))

    @endpoint
    async def update(request: Request) -> Response:
        who = await identity(request, s)
        p = await body(request, SessionUpdate, s, session_id=path(request, "session_id"))
        return ok(session=await s.sessions.update(who, p))

    @endpoint
    async def start(request: Request) -> Response:
        who = await identity(request, s)
        return ok(session=await s.sessions.start(who, path(request, "session_id")))

    @endpoint
    async def end(request: Request) -> Response:
        who = await identity(request, s)
        return ok(session=await s.sessions.end(who, path(request, "session_id")))

    @endpoint
    async def timeline(request: Request) -> Response:
        who = await identity(request, s)
        p = query(request, TimelineQuery)
        rec, role = await s.sessions.role_in(who, path(request, "session_id"))
        events, after = await s.timeline.page(
            rec.id, who.user_id, at_least(role, "host"), p.after, p.limit
        )
        return ok(events=events, next_after=after)

    @endpoint
    async def export(request: Request) -> Response:
        who = await identity(request, s)
        p = query(request, ExportQuery)
        session_id = path(request, "session_id")
        if p.format == "json":
            return ok(export=await s.exports.record(who, session_id))
        text = await s.exports.markdown(who, session_id)
        return Response(text, media_type="text/markdown; charset=utf-8")

    @endpoint
    async def notifications(request: Request) -> Response:
        who = await identity(request, s)
        return ok(notifications=await s.notifications.pending(who.user_id))

    @endpoint
    async def ack(request: Request) -> Response:
        who = await identity(request, s)
        p = await body(request, AckBody, s)
        return ok(acknowledged=await s.notifications.ack(who.user_id, list(p.ids)))

    one = "/api/v1/sessions/{session_id}"
    return [
        Route("/api/v1/rooms/{room_id}/sessions", schedule, methods=["POST"]),
        Route("/api/v1/rooms/{room_id}/sessions", in_room, methods=["GET"]),
        Route("/api/v1/rooms/{room_id}/sessions/current", current, methods=["GET"]),
        Route(one, get, methods=["GET"]),
        Route(one, update, methods=["PATCH"]),
        Route(one + "/start", start, methods=["POST"]),
        Route(one + "/end", end, methods=["POST"]),
        Route(one + "/timeline", timeline, methods=["GET"]),
        Route(one + "/export", export, methods=["GET"]),
        Route("/api/v1/notifications", notifications, methods=["GET"]),
        Route("/api/v1/notifications/ack", ack, methods=["POST"]),
    ]
