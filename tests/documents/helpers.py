"""Small helpers for document tests against real servers (tests/support starts them)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx

from tests.support.servers import ServerProcess


class Api:
    """REST under /api/v1 acting as one user."""

    def __init__(self, server: ServerProcess, user_id: str) -> None:
        self.user_id = user_id
        self.token = server.token(user_id)
        self.http = httpx.Client(
            base_url=server.url + "/api/v1",
            headers={"authorization": f"Bearer {self.token}"},
            timeout=10.0,
        )

    def call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        return self.http.request(method, path, **kw)

    def create_room(self, title: str = "room", visibility: str = "invite-only") -> str:
        r = self.call("POST", "/rooms", json={"title": title, "visibility": visibility})
        assert r.status_code == 201, r.text
        return str(r.json()["room"]["id"])

    def grant(self, room_id: str, user_id: str, role: str) -> None:
        r = self.call("PUT", f"/rooms/{room_id}/members/{user_id}", json={"role": role})
        assert r.status_code == 200, r.text

    def text(self, room_id: str, name: str = "notes") -> str:
        r = self.call("GET", f"/rooms/{room_id}/documents/{name}/content")
        assert r.status_code == 200, r.text
        return r.text


async def eventually(check: Callable[[], bool], within: float = 10.0) -> None:
    """Poll ``check`` until true; real servers and sockets need a moment, not a sleep guess."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not check():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


def has_structs(update: bytes) -> bool:
    """Whether a Yjs v1 update carries any change (it starts with its count of clients)."""
    return bool(update) and update[0] != 0
