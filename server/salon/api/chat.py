"""/api/v1/rooms/{id}/chat: history paging and sends for scripts and bots."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from salon.api.common import body, endpoint, identity, ok, path, query
from salon.core.payloads import ClientId, Payload
from salon.services import Services


class HistoryQuery(Payload):
    before: Annotated[int, Field(ge=1)] | None = None
    after: Annotated[int, Field(ge=0)] | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50


class SendBody(Payload):
    client_id: ClientId
    body: Annotated[str, Field(max_length=1_000_000)]


def routes(s: Services) -> list[Route]:
    @endpoint
    async def history(request: Request) -> Response:
        p = query(request, HistoryQuery)
        page = await s.chat.history(
            path(request, "room_id"), await identity(request, s), p.before, p.after, p.limit
        )
        return ok(**page)

    @endpoint
    async def send(request: Request) -> Response:
        who = await identity(request, s)
        p = await body(request, SendBody, s)
        message, created = await s.chat.send(path(request, "room_id"), who, p.client_id, p.body)
        return ok(201 if created else 200, message=message, duplicate=not created)

    base = "/api/v1/rooms/{room_id}/chat"
    return [
        Route(base, history, methods=["GET"]),
        Route(base, send, methods=["POST"]),
    ]
