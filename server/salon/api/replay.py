"""/api/v1/sessions/{id}/replay: the replay of an ended session over REST — its outline,
the state at any moment (the target of deep links), and the timeline page by page."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from pydantic import Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from salon.api.common import endpoint, identity, ok, path, query
from salon.core.payloads import Payload
from salon.services import Services


class StateQuery(Payload):
    t: Annotated[int, Field(ge=0, le=10**10)] | None = None
    seq: Annotated[int, Field(ge=1)] | None = None


class EventsQuery(Payload):
    after: Annotated[int, Field(ge=-1, le=10**10)] = -1
    limit: Annotated[int, Field(ge=1, le=1000)] = 200


def encoded(state: dict[str, Any]) -> dict[str, Any]:
    docs = [{**d, "state": base64.b64encode(d["state"]).decode()} for d in state["documents"]]
    return {**state, "documents": docs}


def routes(s: Services) -> list[Route]:
    service = s.replay

    @endpoint
    async def outline(request: Request) -> Response:
        source = await service.open(await identity(request, s), path(request, "session_id"))
        return ok(
            session=source.session,
            duration_ms=source.duration_ms,
            markers=source.markers(),
            documents=sorted(source.documents.values()),
        )

    @endpoint
    async def state(request: Request) -> Response:
        p = query(request, StateQuery)
        source = await service.open_cached(await identity(request, s), path(request, "session_id"))
        offset = source.offset_of_seq(p.seq) if p.seq is not None else (p.t or 0)
        return ok(**encoded(await source.state(offset)))

    @endpoint
    async def events(request: Request) -> Response:
        p = query(request, EventsQuery)
        source = await service.open(await identity(request, s), path(request, "session_id"))
        page = source.events_between(p.after, source.duration_ms)[: p.limit]
        more = len(page) == p.limit
        return ok(events=page, next_after=page[-1]["offset"] if more else None)

    base = "/api/v1/sessions/{session_id}/replay"
    return [
        Route(base, outline, methods=["GET"]),
        Route(base + "/state", state, methods=["GET"]),
        Route(base + "/events", events, methods=["GET"]),
    ]
