"""Presence: one person per user however many tabs, raised hands, leaving after a grace period."""

from __future__ import annotations

import asyncio

from tests.support.clients import connected, new_room, user_id
from tests.support.servers import ServerProcess


async def test_tabs_count_once_and_last_tab_leaves(server: ServerProcess) -> None:
    alice, bob = user_id("alice"), user_id("bob")
    async with connected(server, alice, bob, bob) as (a, tab1, tab2):
        room = await new_room(a)
        await a.join(room)
        await tab1.join(room)
        reply = await tab2.join(room)
        assert [p["user_id"] for p in reply["presence"]].count(bob) == 1
        assert len([e for e in a.events["presence:joined"] if e["user_id"] == bob]) == 1

        await tab2.raise_hand(room)
        raised = await a.wait_for("presence:updated", lambda p: p["hand_raised"], include_past=True)
        assert raised["user_id"] == bob

        await tab1.leave(room)
        await asyncio.sleep(0.3)
        assert not [e for e in a.events["presence:left"] if e["user_id"] == bob]
        await tab2.leave(room)  # an explicit leave needs no grace period
        await a.wait_for(
            "presence:left", lambda p: p["user_id"] == bob, timeout=2, include_past=True
        )
        with server.http(alice) as http:
            listed = http.get(f"/api/v1/rooms/{room}/presence").json()["presence"]
        assert [p["user_id"] for p in listed] == [alice]


async def test_quick_reconnect_within_grace_causes_no_flicker(server: ServerProcess) -> None:
    alice, bob = user_id("alice"), user_id("bob")
    async with connected(server, alice, bob) as (a, b):
        room = await new_room(a)
        await a.join(room)
        await b.join(room)
        b.sio.reconnection_delay, b.sio.randomization_factor = 0.05, 0.0
        await b.sio.eio.ws.close()
        await b.wait_for("client:rejoined", timeout=5)
        await asyncio.sleep(0.8)  # longer than the test server's 0.5 s grace
        assert not [e for e in a.events["presence:left"] if e["user_id"] == bob]
