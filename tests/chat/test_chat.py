"""Chat over real Socket.IO clients, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest

from salon_client import SalonClientError
from tests.support.clients import connected, new_room, user_id
from tests.support.servers import ServerProcess


async def test_two_users_meet_chat_and_page_history(server: ServerProcess) -> None:
    alice, bob = user_id("alice"), user_id("bob")
    async with connected(server, alice, bob) as (a, b):
        room = await new_room(a, title="Cert rotation", tags=["ops"])
        await a.join(room)
        joined = await b.join(room)
        assert {p["user_id"] for p in joined["presence"]} == {alice, bob}
        seen = await a.wait_for("presence:joined", lambda p: p["user_id"] == bob, include_past=True)
        assert seen["role"] == "participant"

        sent = [await a.send_chat(room, f"message {i}") for i in range(1, 8)]
        assert [m["seq"] for m in sent] == list(range(1, 8))
        got = await b.wait_for("chat:message", lambda m: m["seq"] == 7, include_past=True)
        assert got["body"] == "message 7" and got["name"] == "Alice"

        page = await b.history(room, limit=3)
        assert [m["seq"] for m in page["messages"]] == [5, 6, 7]
        older = await b.history(room, before=page["next_before"], limit=3)
        assert [m["seq"] for m in older["messages"]] == [2, 3, 4]
        oldest = await b.history(room, before=older["next_before"], limit=3)
        assert [m["seq"] for m in oldest["messages"]] == [1] and oldest["next_before"] is None

        with server.http(bob) as http:
            rest = http.get(f"/api/v1/rooms/{room}/chat", params={"after": 5}).json()
        assert [m["body"] for m in rest["messages"]] == ["message 6", "message 7"]


async def test_retried_send_is_stored_once(server: ServerProcess) -> None:
    alice = user_id("alice")
    async with connected(server, alice, alice) as (tab1, tab2):
        room = await new_room(tab1)
        await tab1.join(room)
        await tab2.join(room)
        first = await tab1.call("chat:send", {"room_id": room, "client_id": "c-1", "body": "hi"})
        again = await tab1.call("chat:send", {"room_id": room, "client_id": "c-1", "body": "hi"})
        assert again["duplicate"] and again["message"]["id"] == first["message"]["id"]
        # The same id raced from two tabs at once still lands once.
        payload = {"room_id": room, "client_id": "c-2", "body": "race"}
        r1, r2 = await asyncio.gather(
            tab1.call("chat:send", payload), tab2.call("chat:send", payload)
        )
        assert r1["message"]["id"] == r2["message"]["id"]
        history = await tab1.history(room)
        assert [m["body"] for m in history["messages"]] == ["hi", "race"]


async def test_reconnect_catches_up_on_missed_messages(server: ServerProcess) -> None:
    alice, bob = user_id("alice"), user_id("bob")
    async with connected(server, alice, bob) as (a, b):
        room = await new_room(a)
        await a.join(room)
        await b.join(room)
        await a.send_chat(room, "before the drop")
        await b.wait_for("chat:message", include_past=True)
        # The connection drops under the client; it reconnects after a second, during which
        # a message arrives that it can only learn of through catch-up.
        b.sio.reconnection_delay, b.sio.randomization_factor = 1.0, 0.0
        await b.sio.eio.ws.close()
        await a.wait_for("presence:left", lambda p: p["user_id"] == bob, timeout=5)
        await a.send_chat(room, "while you were away")
        rejoined = await b.wait_for("client:rejoined", timeout=10, include_past=True)
        assert [m["body"] for m in rejoined["missed"]] == ["while you were away"]


async def test_edit_delete_tombstone_and_reactions(server: ServerProcess) -> None:
    host, bob, carol = user_id("host"), user_id("bob"), user_id("carol")
    async with connected(server, host, bob, carol) as (h, b, c):
        room = await new_room(h)
        for client in (h, b, c):
            await client.join(room)
        m1 = await b.send_chat(room, "teh typo")
        m2 = await b.send_chat(room, "second")
        m3 = await c.send_chat(room, "third")
        edited = await b.edit_chat(room, m1["id"], "the typo")
        assert edited["body"] == "the typo" and edited["edited_at"]
        with pytest.raises(SalonClientError) as err:
            await c.edit_chat(room, m1["id"], "hijack")
        assert err.value.code == "forbidden"
        with pytest.raises(SalonClientError) as err:
            await c.delete_chat(room, m2["id"])
        assert err.value.code == "forbidden"
        await b.delete_chat(room, m2["id"])
        await h.delete_chat(room, m3["id"])  # hosts moderate
        reacted = await c.react(room, m1["id"], "👍")
        assert reacted["reactions"] == {"👍": [carol]}
        await h.wait_for("chat:reactions", lambda e: e["id"] == m1["id"], include_past=True)
        history = (await h.history(room))["messages"]
        assert [m["seq"] for m in history] == [1, 2, 3]  # tombstones keep the sequence intact
        assert [(m["body"], m["deleted"]) for m in history] == [
            ("the typo", False),
            ("", True),
            ("", True),
        ]
        assert history[0]["reactions"] == {"👍": [carol]}
        await h.wait_for("chat:deleted", lambda e: e["id"] == m3["id"], include_past=True)
