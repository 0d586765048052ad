"""Granting a role to someone already known keeps their display name (found by the web UI)."""

from __future__ import annotations

from tests.support.clients import connected, new_room, user_id
from tests.support.servers import ServerProcess


async def test_granting_a_role_does_not_rename_the_member(server: ServerProcess) -> None:
    host, bob = user_id("host"), user_id("bob")
    async with connected(server, host, bob) as (h, b):
        room = await new_room(h)
        await b.join(room)
        await h.set_role(room, bob, "expert")
        sent = await b.send_chat(room, "still me")
        assert sent["name"] == "Bob"
        page = await h.history(room)
        assert [m["name"] for m in page["messages"]] == ["Bob"]
