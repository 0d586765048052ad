"""Liveness, readiness and version."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from salon import PROTOCOL_VERSION, __version__
from salon.api.common import JSON, ok
from salon.core.metrics import CONTENT_TYPE
from salon.services import Services


def routes(s: Services) -> list[Route]:
    async def healthz(request: Request) -> Response:
        return ok(status="alive", node=s.node_id)

    async def readyz(request: Request) -> Response:
        checks = {"database": await s.db.ping()}
        if s.bus.shared:  # the one channel to the other nodes (e.g. "redis")
            checks[s.bus.name] = await s.bus.ping()
        ready = all(checks.values())
        return JSON({"ok": ready, "checks": checks}, status_code=200 if ready else 503)

    async def version(request: Request) -> Response:
        return ok(
            version=__version__,
            protocol=PROTOCOL_VERSION,
            api="v1",
            guests=s.settings.allow_guests,
        )

    async def metrics(request: Request) -> Response:
        return Response(s.metrics.render(), media_type=CONTENT_TYPE)

    return [
        Route("/metrics", metrics),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/api/v1", version),
    ]
