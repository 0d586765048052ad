"""/api/v1/rooms: rooms, members, presence."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from salon.api.common import body, endpoint, identity, ok, path, query
from salon.core.payloads import Payload
from salon.rooms.payloads import RoleGrant, RoomCreate, RoomUpdate
from salon.rooms.service import room_dict
from salon.services import Services


class RoomQuery(Payload):
    q: Annotated[str, Field(max_length=200)] | None = None
    tag: Annotated[str, Field(max_length=40)] | None = None
    include_archived: bool = False
    offset: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    limit: Annotated[int, Field(ge=1, le=100)] = 20


def routes(s: Services) -> list[Route]:
    @endpoint
    async def create(request: Request) -> Response:
        who = await identity(request, s)
        p = await body(request, RoomCreate, s)
        room = await s.rooms.create(who, p.model_dump())
        return ok(201, room=room_dict(room, "host"))

    @endpoint
    async def list_rooms(request: Request) -> Response:
        who = await identity(request, s)
        p = query(request, RoomQuery)
        rooms, total = await s.rooms.search(
            who,
            query=p.q,
            tag=p.tag,
            include_archived=p.include_archived,
            offset=p.offset,
            limit=p.limit,
        )
        for room in rooms:
            room["online"] = s.presence.count(room["id"])
            # The lobby offers hosting tools and role badges from this; role_of is cached.
            role = await s.rooms.role_of(room["id"], who)
            if role is not None:
                room["my_role"] = role
        return ok(rooms=rooms, total=total, offset=p.offset, limit=p.limit)

    @endpoint
    async def get(request: Request) -> Response:
        room, role = await s.rooms.get(path(request, "room_id"), await identity(request, s))
        return ok(room=room_dict(room, role), online=s.presence.count(room.id))

    @endpoint
    async def update(request: Request) -> Response:
        who = await identity(request, s)
        p = await body(request, RoomUpdate, s)
        fields = p.model_dump(exclude_none=True)
        room = await s.rooms.update(path(request, "room_id"), who, fields)
        return ok(room=room_dict(room))

    @endpoint
    async def archive(request: Request) -> Response:
        room = await s.rooms.archive(path(request, "room_id"), await identity(request, s))
        return ok(room=room_dict(room))

    @endpoint
    async def members(request: Request) -> Response:
        who = await identity(request, s)
        return ok(members=await s.rooms.members(path(request, "room_id"), who))

    @endpoint
    async def grant(request: Request) -> Response:
        who = await identity(request, s)
        p = await body(request, RoleGrant, s)
        room_id, user_id = path(request, "room_id"), path(request, "user_id")
        member = await s.rooms.set_role(room_id, who, user_id, p.role)
        return ok(member={"user_id": member.user_id, "role": member.role})

    @endpoint
    async def remove(request: Request) -> Response:
        room_id, user_id = path(request, "room_id"), path(request, "user_id")
        await s.rooms.remove(room_id, await identity(request, s), user_id)
        return ok()

    @endpoint
    async def presence(request: Request) -> Response:
        room_id = path(request, "room_id")
        await s.rooms.require(room_id, await identity(request, s), "viewer", "seeing presence")
        return ok(presence=s.presence.list(room_id))

    @endpoint
    async def me(request: Request) -> Response:
        who = await identity(request, s)
        return ok(user={"user_id": who.user_id, "name": who.name, "guest": who.is_guest})

    base = "/api/v1/rooms"
    return [
        Route("/api/v1/me", me, methods=["GET"]),
        Route(base, create, methods=["POST"]),
        Route(base, list_rooms, methods=["GET"]),
        Route(base + "/{room_id}", get, methods=["GET"]),
        Route(base + "/{room_id}", update, methods=["PATCH"]),
        Route(base + "/{room_id}/archive", archive, methods=["POST"]),
        Route(base + "/{room_id}/members", members, methods=["GET"]),
        Route(base + "/{room_id}/members/{user_id}", grant, methods=["PUT"]),
        Route(base + "/{room_id}/members/{user_id}", remove, methods=["DELETE"]),
        Route(base + "/{room_id}/presence", presence, methods=["GET"]),
    ]
