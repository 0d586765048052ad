"""Event payloads are strict JSON: `NaN`, `Infinity` and nesting deeper than the documented
bound are `bad_request`, answered on the socket that sent them, stored nowhere, relayed to
no one, and the socket stays usable."""

from __future__ import annotations

import asyncio

import pytest

from salon.core.jsonlib import MAX_DEPTH
from tests.realtime.raw import nested, raw_call
from tests.support.clients import connected, new_room, user_id
from tests.support.servers import ServerProcess


def chat(room: str, body: str) -> str:
    return f'["chat:send",{{"room_id":"{room}","client_id":"c1","body":"x","extra":{body}}}]'


@pytest.mark.parametrize(
    "value",
    ["NaN", "Infinity", "-Infinity", nested(MAX_DEPTH), nested(5000), "[1,", "\"\\ud800'"],
    ids=["nan", "inf", "-inf", "deep", "5000", "truncated", "broken-string"],
)
async def test_non_strict_json_is_a_bad_request(server: ServerProcess, value: str) -> None:
    alice, bob = user_id("alice"), user_id("bob")
    async with connected(server, alice, bob) as (a, b):
        room = await new_room(a)
        await a.join(room)
        await b.join(room)
        reply = await raw_call(b.sio, chat(room, value))
        assert reply["ok"] is False and reply["error"]["code"] == "bad_request", reply
        await asyncio.sleep(0.1)
        assert a.events["chat:message"] == []
        assert (await a.history(room))["messages"] == []
        await b.send_chat(room, "still connected")


async def test_nesting_within_the_bound_reaches_the_handler(server: ServerProcess) -> None:
    # [event, payload] is one level: the payload may nest MAX_DEPTH - 1 more.
    async with connected(server, user_id("alice")) as (a,):
        room = await new_room(a)
        await a.join(room)
        inner = nested(MAX_DEPTH - 3)
        reply = await raw_call(a.sio, chat(room, inner))
        # The payload parsed; the model then refuses the unknown field.
        assert reply["error"]["code"] == "bad_request"
        assert "extra" in reply["error"]["message"]
