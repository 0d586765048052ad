"""/api/v1/search: one query across questions, answers, chat, documents and sessions."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from salon.api.common import endpoint, identity, ok, query
from salon.search.service import SearchQuery
from salon.services import Services


def routes(s: Services) -> list[Route]:

    @endpoint
    async def search(request: Request) -> Response:
        who = await identity(request, s)
        return ok(**await s.search.search(who, query(request, SearchQuery)))

    return [Route("/api/v1/search", search, methods=["GET"])]
