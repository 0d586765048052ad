"""Malformed events, forged and expired tokens: a documented error, and nothing changes."""

from __future__ import annotations

import asyncio
import time

import jwt
import pytest

from salon.core.auth import mint_token
from salon_client import SalonClient, SalonClientError
from tests.support.clients import connected, new_room, user_id
from tests.support.servers import SECRET, ServerProcess


async def test_malformed_chat_events_change_nothing(server: ServerProcess) -> None:
    alice, bob = user_id("alice"), user_id("bob")
    async with connected(server, alice, bob) as (a, b):
        room = await new_room(a)
        await a.join(room)
        await b.join(room)
        await a.send_chat(room, "the only message")
        bad = [
            ("chat:send", None, "bad_request"),
            ("chat:send", "hello", "bad_request"),
            ("chat:send", [1, 2], "bad_request"),
            ("chat:send", {"room_id": room, "body": "no client id"}, "bad_request"),
            ("chat:send", {"room_id": room, "client_id": 7, "body": "x"}, "bad_request"),
            ("chat:send", {"room_id": room, "client_id": "a", "body": 42}, "bad_request"),
            ("chat:send", {"room_id": room, "client_id": "a", "body": "   "}, "bad_request"),
            ("chat:send", {"room_id": room, "client_id": "a", "body": "x" * 5000}, "too_large"),
            ("chat:send", {"room_id": room, "client_id": "x" * 65, "body": "x"}, "bad_request"),
            ("chat:send", {"room_id": "nope", "client_id": "a", "body": "x"}, "not_joined"),
            (
                "chat:send",
                {"room_id": room, "client_id": "a", "body": "x", "extra": 1},
                "bad_request",
            ),
            ("chat:edit", {"room_id": room, "message_id": "1", "body": "x"}, "bad_request"),
            ("chat:edit", {"room_id": room, "message_id": 999, "body": "x"}, "not_found"),
            ("chat:react", {"room_id": room, "message_id": 1, "emoji": "a b"}, "bad_request"),
            ("chat:history", {"room_id": room, "limit": 10_000}, "bad_request"),
            ("room:join", {"room_id": "does-not-exist"}, "not_found"),
            ("room:join", {"room_id": ""}, "bad_request"),
            ("presence:update", {"room_id": room, "hand_raised": "yes"}, "bad_request"),
            ("no:such:event", {}, "unknown_event"),
        ]
        for event, payload, code in bad:
            reply = await b.sio.call(event, payload, timeout=5)
            assert reply["ok"] is False, (event, payload)
            assert reply["error"]["code"] == code, (event, payload, reply)
        history = (await a.history(room))["messages"]
        assert [m["body"] for m in history] == ["the only message"]
        assert len(a.events["chat:message"]) == 1  # nothing was broadcast
        await b.send_chat(room, "still connected and working")


@pytest.mark.parametrize(
    ("token", "code"),
    [
        (None, "unauthenticated"),
        ("not-a-jwt", "unauthenticated"),
        (
            jwt.encode({"sub": "eve", "exp": time.time() + 60}, "wrong-secret-" * 4, "HS256"),
            "unauthenticated",
        ),
        (mint_token(SECRET, "late", "Late", ttl=-10), "token_expired"),
        (
            jwt.encode({"sub": "eve", "exp": time.time() + 60}, "", algorithm="none"),
            "unauthenticated",
        ),
        (mint_token(SECRET, "guest:spoof", "Spoof"), "unauthenticated"),
    ],
)
async def test_bad_tokens_are_refused(server: ServerProcess, token: str | None, code: str) -> None:
    client = SalonClient(server.url, token=token, reconnection=False)
    with pytest.raises(SalonClientError) as err:
        await client.connect()
    assert err.value.code == code
    await client.close()


async def test_guests_are_off_unless_enabled(server: ServerProcess) -> None:
    client = SalonClient(server.url, guest_name="Visitor", reconnection=False)
    with pytest.raises(SalonClientError) as err:
        await client.connect()
    assert err.value.code == "guests_disabled"
    await client.close()


async def test_wrong_protocol_version_is_refused(server: ServerProcess) -> None:
    client = SalonClient(server.url, token=server.token(user_id("a")), reconnection=False)
    client._auth = lambda: {"token": client.token, "protocol": 99}  # type: ignore[method-assign]
    with pytest.raises(SalonClientError) as err:
        await client.connect()
    assert err.value.code == "unsupported_protocol"
    await client.close()


async def test_undecodable_packets_close_only_their_socket(server: ServerProcess) -> None:
    alice, bob = user_id("alice"), user_id("bob")
    async with connected(server, alice, bob) as (a, b):
        room = await new_room(a)
        await a.join(room)
        await b.join(room)
        b.sio.reconnection = False
        await b.sio.eio.send("9 is no Socket.IO packet type")
        for _ in range(50):
            if not b.sio.connected:
                break
            await asyncio.sleep(0.1)
        assert not b.sio.connected
        await a.send_chat(room, "unaffected")
        assert [m["body"] for m in (await a.history(room))["messages"]] == ["unaffected"]
