"""Real Socket.IO clients (the salon_client SDK) connected to a test server."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from salon_client import SalonClient
from tests.support.servers import ServerProcess


def user_id(prefix: str) -> str:
    """Unique per test, so tests can share one server."""
    return f"{prefix}-{secrets.token_hex(3)}"


@asynccontextmanager
async def connected(server: ServerProcess, *users: str) -> AsyncIterator[list[SalonClient]]:
    async with AsyncExitStack() as stack:
        clients = []
        for uid in users:
            client = SalonClient(server.url, token=server.token(uid, uid.split("-")[0].title()))
            await client.connect()
            stack.push_async_callback(client.close)
            clients.append(client)
        yield clients


async def new_room(client: SalonClient, **fields: object) -> str:
    room = await client.create_room(fields.pop("title", "Room") or "Room", **fields)
    return str(room["id"])
