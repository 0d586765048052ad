"""A client may emit only the protocol's events: lifecycle names (`disconnect`, `connect`, …),
names that are no string, and anything else outside docs/protocol.md are refused on "/" and on
document namespaces, and run none of the server's handlers."""

from __future__ import annotations

import asyncio

import pytest

from salon_client.document import DocumentClient
from tests.documents.helpers import Api, eventually
from tests.realtime.raw import raw_call, raw_emit
from tests.support.clients import connected, new_room, user_id
from tests.support.servers import ServerProcess

LIFECYCLE = ["disconnect", "connect", "connect_error", "message", "*"]


@pytest.mark.parametrize("name", LIFECYCLE)
async def test_lifecycle_names_are_refused_on_the_default_namespace(
    server: ServerProcess, name: str
) -> None:
    alice, bob = user_id("alice"), user_id("bob")
    async with connected(server, alice, bob) as (a, b):
        room = await new_room(a)
        await a.join(room)
        await b.join(room)
        reply = await raw_call(b.sio, f'["{name}",{{}}]')
        assert reply["ok"] is False
        assert reply["error"]["code"] == "unknown_event"
        # The disconnect handler did not run: bob is still present and still hears the room.
        with server.http(alice) as http:
            people = http.get(f"/api/v1/rooms/{room}/presence").json()["presence"]
        assert bob in [p["user_id"] for p in people]
        await a.send_chat(room, "still here?")
        await b.wait_for("chat:message", lambda m: m["body"] == "still here?", include_past=True)


async def test_a_removed_member_who_faked_disconnect_hears_nothing_more(
    server: ServerProcess,
) -> None:
    alice, bob = user_id("alice"), user_id("bob")
    async with connected(server, alice, bob) as (a, b):
        room = await new_room(a)
        await a.join(room)
        await b.join(room)
        await raw_call(b.sio, '["disconnect"]')
        await a.remove_member(room, bob)
        await b.wait_for("room:removed", include_past=True)
        await a.send_chat(room, "after the removal")
        await asyncio.sleep(0.3)
        assert "after the removal" not in [m["body"] for m in b.events["chat:message"]]


@pytest.mark.parametrize(
    "body",
    ["[]", "[7,{}]", "[null]", '[{"a":1}]', '["' + "x" * 101 + '"]', '["chat:send",{},{}]'],
)
async def test_events_without_a_string_name_are_bad_requests(
    server: ServerProcess, body: str
) -> None:
    async with connected(server, user_id("alice")) as (a,):
        reply = await raw_call(a.sio, body)
        assert reply["error"]["code"] in ("bad_request", "unknown_event")
        room = await new_room(a)
        await a.join(room)  # the socket still works


@pytest.mark.parametrize("name", LIFECYCLE)
async def test_lifecycle_names_are_refused_on_document_namespaces(
    server: ServerProcess, name: str
) -> None:
    host = Api(server, user_id("host"))
    room = host.create_room()
    host.grant(room, "pat", "participant")
    editor = await DocumentClient(server.url, room, "notes", token=host.token).connect()
    pat = await DocumentClient(
        server.url, room, "notes", token=server.token("pat"), user={"name": "Pat"}
    ).connect()
    try:
        await raw_emit(pat.sio, f'["{name}"]', pat.namespace)
        await eventually(lambda: any(e["code"] == "unknown_event" for e in pat.errors))
        await raw_emit(pat.sio, '["sync-update",1,2,3]', pat.namespace)  # one payload only
        await eventually(lambda: any(e["code"] == "bad_request" for e in pat.errors))
        # pat's socket is still in the document: it receives edits and keeps its cursor.
        editor.text().insert(0, "hello")
        await eventually(lambda: str(pat.text()) == "hello")
        await eventually(lambda: len(editor.awareness.states) == 2)
        # …and a removal still disconnects it (the server never forgot the socket).
        host.call("DELETE", f"/rooms/{room}/members/pat")
        await eventually(lambda: not pat.sio.namespaces)
    finally:
        await pat.close()
        await editor.close()
