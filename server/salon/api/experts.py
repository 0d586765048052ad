"""/api/v1/experts: profiles and leaderboards."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from salon.api.common import endpoint, identity, ok, path, query
from salon.qa.experts import LeaderboardQuery
from salon.services import Services


def routes(s: Services) -> list[Route]:
    experts = s.experts

    @endpoint
    async def profile(request: Request) -> Response:
        who = await identity(request, s)
        return ok(expert=await experts.profile(who, path(request, "user_id")))

    @endpoint
    async def leaderboard(request: Request) -> Response:
        who = await identity(request, s)
        p = query(request, LeaderboardQuery)
        return ok(leaderboard=await experts.leaderboard(who, p))

    return [
        Route("/api/v1/experts", leaderboard, methods=["GET"]),
        Route("/api/v1/experts/{user_id}", profile, methods=["GET"]),
    ]
