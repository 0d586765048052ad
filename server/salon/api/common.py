"""Shared REST plumbing: JSON in and out, bearer auth, SalonError -> JSON error with its status."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from salon.core.auth import Identity
from salon.core.errors import SalonError
from salon.core.payloads import parse, parse_query
from salon.services import Services

log = logging.getLogger("salon.api")

P = TypeVar("P", bound=BaseModel)
Endpoint = Callable[[Request], Awaitable[Response]]


class JSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def ok(http_status: int = 200, /, **data: Any) -> JSON:
    return JSON({"ok": True, **data}, status_code=http_status)


def error_response(exc: SalonError) -> JSON:
    headers = {}
    if exc.code == "rate_limited" and "retry_after" in exc.details:
        headers["Retry-After"] = str(max(1, round(float(exc.details["retry_after"]))))
    return JSON(exc.to_dict(), status_code=exc.status, headers=headers)


def endpoint(fn: Endpoint) -> Endpoint:
    """Turn SalonError into its JSON error and anything unexpected into a logged 500."""

    async def wrapped(request: Request) -> Response:
        try:
            return await fn(request)
        except SalonError as exc:
            return error_response(exc)
        except Exception:
            log.exception("%s %s failed", request.method, request.url.path)
            return error_response(SalonError("internal", "the server could not do that"))

    wrapped.__name__ = fn.__name__
    return wrapped


async def identity(request: Request, s: Services) -> Identity:
    """The caller, whose user row exists from here on: someone who only ever used the REST
    API would otherwise fail the first write that refers to them (chat, a question)."""
    who = s.auth.from_header(request.headers.get("authorization"))
    s.bans.check_server(who.user_id, client_address(request))
    await s.rooms.ensure_user(who)  # cached per node: one write per person and ten minutes
    return who


def client_address(request: Request) -> str:
    """The peer as the ASGI server reports it (X-Forwarded-For only from trusted proxies,
    as on sockets: see realtime.hub.client_address)."""
    return request.client.host if request.client else "?"


async def body(request: Request, model: type[P], s: Services, **path_values: Any) -> P:
    """The JSON body as ``model``; ``path_values`` (ids from the path) win over the body's."""
    raw = await request.body()
    if len(raw) > s.settings.max_payload_bytes:
        raise SalonError("too_large", "the request body is too large")
    try:
        data = orjson.loads(raw or b"{}")
    except orjson.JSONDecodeError:
        raise SalonError("bad_request", "the body is not valid JSON") from None
    if path_values:
        if not isinstance(data, dict):
            raise SalonError("bad_request", "the body must be an object")
        data = {**data, **path_values}
    return parse(model, data)


def query(request: Request, model: type[P]) -> P:
    return parse_query(model, dict(request.query_params))


def path(request: Request, name: str) -> str:
    value = str(request.path_params[name])
    if not value or len(value) > 128:
        raise SalonError("bad_request", f"{name} is not valid")
    return value
