"""/api/v1/rooms/{room_id}/bans (hosts) and /api/v1/admin/bans (operators): ban, list, lift."""

from __future__ import annotations

import ipaddress
import secrets

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from salon.api.common import body, endpoint, identity, ok, path
from salon.core.errors import SalonError
from salon.rooms.payloads import RoomBanCreate, ServerBanCreate
from salon.services import Services

OPERATOR = "operator"  # created_by of the server's bans


def routes(s: Services) -> list[Route]:
    def require_operator(request: Request) -> None:
        """The operator token of the settings, as a bearer token; without one configured the
        operator API does not exist for anyone."""
        expected = s.settings.operator_token
        header = request.headers.get("authorization") or ""
        if not expected:
            raise SalonError("forbidden", "this server has no operator token configured")
        if not header.lower().startswith("bearer "):
            raise SalonError("unauthenticated", "an Authorization: Bearer token is required")
        if not secrets.compare_digest(header[7:].strip().encode(), expected.encode()):
            raise SalonError("forbidden", "only the server's operators may do that")

    @endpoint
    async def ban_in_room(request: Request) -> Response:
        who = await identity(request, s)
        p = await body(request, RoomBanCreate, s)
        ban = await s.rooms.ban(
            path(request, "room_id"), who, p.user_id, p.reason, p.duration_seconds
        )
        return ok(201, ban=ban.to_dict())

    @endpoint
    async def room_bans(request: Request) -> Response:
        who = await identity(request, s)
        return ok(bans=await s.rooms.room_bans(path(request, "room_id"), who))

    @endpoint
    async def unban_in_room(request: Request) -> Response:
        who = await identity(request, s)
        ban = await s.rooms.unban(path(request, "room_id"), who, path(request, "ban_id"))
        return ok(ban=ban.to_dict())

    @endpoint
    async def ban_server(request: Request) -> Response:
        require_operator(request)
        p = await body(request, ServerBanCreate, s)
        ban = await s.bans.ban(
            room_id=None,
            user_id=p.user_id,
            address=normal_address(p.address),
            reason=p.reason,
            duration=p.duration_seconds,
            by=OPERATOR,
        )
        return ok(201, ban=ban.to_dict())

    @endpoint
    async def server_bans(request: Request) -> Response:
        require_operator(request)
        return ok(bans=await s.bans.listed(None))

    @endpoint
    async def unban_server(request: Request) -> Response:
        require_operator(request)
        return ok(ban=(await s.bans.lift(path(request, "ban_id"), None)).to_dict())

    rooms = "/api/v1/rooms/{room_id}/bans"
    admin = "/api/v1/admin/bans"
    return [
        Route(rooms, ban_in_room, methods=["POST"]),
        Route(rooms, room_bans, methods=["GET"]),
        Route(rooms + "/{ban_id}", unban_in_room, methods=["DELETE"]),
        Route(admin, ban_server, methods=["POST"]),
        Route(admin, server_bans, methods=["GET"]),
        Route(admin + "/{ban_id}", unban_server, methods=["DELETE"]),
    ]


def normal_address(value: str | None) -> str | None:
    """An address as the server reports peers (``::ffff:`` IPv4 forms as plain IPv4)."""
    if value is None:
        return None
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        raise SalonError("bad_request", "address must be an IPv4 or IPv6 address") from None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)
