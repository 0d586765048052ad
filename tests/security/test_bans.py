"""Bans: a host bans a person from a room, an operator bans a person or an address from the
whole server. A ban puts the person's live sockets out at once (on every node), refuses
their reconnects and their REST calls with ``banned``, is listed, and lifting it restores
access. Real servers, real Socket.IO and y-socket.io clients; two nodes share PostgreSQL and
a private Redis."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio

from salon_client import SalonClient, SalonClientError
from salon_client.document import DocumentClient
from tests.documents.helpers import eventually
from tests.support.clients import user_id
from tests.support.cluster import cluster
from tests.support.servers import ServerProcess

OPERATOR_TOKEN = "operator-token-for-the-ban-tests-0123456789"
ADMIN = "/api/v1/admin/bans"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server of these tests only (SQLite): address bans would shut out everyone else."""
    with ServerProcess(
        tmp_path_factory.mktemp("bans"), operator_token=OPERATOR_TOKEN, allow_guests=True
    ).running() as server:
        yield server


def operator(server: ServerProcess, token: str | None = OPERATOR_TOKEN) -> httpx.Client:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=server.url, headers=headers, timeout=10.0)


def server_ban(server: ServerProcess, **fields: Any) -> dict[str, Any]:
    with operator(server) as http:
        reply = http.post(ADMIN, json=fields)
    assert reply.status_code == 201, reply.text
    return dict(reply.json()["ban"])


def lift(server: ServerProcess, ban_id: str) -> None:
    with operator(server) as http:
        assert http.delete(f"{ADMIN}/{ban_id}").status_code == 200


async def refusal(action: Any) -> str:
    try:
        await action
    except SalonClientError as exc:
        return exc.code
    return "ok"


def rest_code(server: ServerProcess, uid: str, path: str = "/api/v1/me") -> str:
    with server.http(uid) as http:
        reply = http.get(path)
    return "ok" if reply.status_code == 200 else str(reply.json()["error"]["code"])


async def doc_refusal(server: ServerProcess, room: str, uid: str) -> str:
    """The code a document namespace's connect is refused with ("ok" if it connects)."""
    ns = f"/yjs|{room}/notes"
    refused: list[Any] = []
    raw = socketio.AsyncClient(reconnection=False)
    raw.on("connect_error", refused.append, namespace=ns)
    try:
        await raw.connect(
            server.url,
            namespaces=[ns],
            auth={"token": server.token(uid)},
            transports=["websocket"],
            wait_timeout=5,
        )
    except socketio.exceptions.ConnectionError:
        return str(refused[0]["data"]["code"])
    await raw.disconnect()
    return "ok"


async def doc_shut_out(doc: DocumentClient) -> str:
    await eventually(lambda: not doc.sio.namespaces)
    await eventually(lambda: any(e["event"] == "access" for e in doc.errors))
    return str([e for e in doc.errors if e["event"] == "access"][-1]["code"])


async def test_a_server_ban_shuts_a_user_out_until_lifted(node: ServerProcess) -> None:
    host_id, mia_id = user_id("host"), user_id("mia")
    host = SalonClient(node.url, token=node.token(host_id))
    mia = SalonClient(node.url, token=node.token(mia_id), reconnection=False)
    await host.connect()
    await mia.connect()
    room = str((await host.create_room("Banned soon"))["id"])
    await host.join(room)
    await mia.join(room)
    doc = await DocumentClient(node.url, room, "notes", token=node.token(mia_id)).connect()
    try:
        ban = server_ban(node, user_id=mia_id, reason="spam")
        assert (ban["user_id"], ban["address"], ban["room_id"]) == (mia_id, None, None)

        # Told why, then disconnected: "/" and the document namespace alike.
        told = await mia.wait_for("banned", include_past=True)
        assert told["code"] == "banned"
        assert told["details"] == {"scope": "server", "reason": "spam"}
        await eventually(lambda: not mia.sio.connected)
        assert await doc_shut_out(doc) == "banned"
        people = (await host.request("GET", f"/api/v1/rooms/{room}/presence"))["presence"]
        assert mia_id not in [p["user_id"] for p in people]

        # Refused again on every way back in; the host is untouched.
        assert await refusal(mia.connect()) == "banned"
        assert await doc_refusal(node, room, mia_id) == "banned"
        assert rest_code(node, mia_id) == "banned"
        assert rest_code(node, host_id) == "ok"
        with operator(node) as http:
            listed = http.get(ADMIN).json()["bans"]
        assert ban["id"] in [b["id"] for b in listed]

        lift(node, ban["id"])
        assert rest_code(node, mia_id) == "ok"
        await mia.connect()
        assert (await mia.join(room))["role"] == "participant"
        with operator(node) as http:
            assert ban["id"] not in [b["id"] for b in http.get(ADMIN).json()["bans"]]
    finally:
        await doc.close()
        await mia.close()
        await host.close()


async def test_an_address_ban_applies_to_every_user_and_guest_of_it(node: ServerProcess) -> None:
    alice = SalonClient(node.url, token=node.token(user_id("alice")), reconnection=False)
    guest = SalonClient(node.url, guest_name="Gus", reconnection=False)
    await alice.connect()
    await guest.connect()
    ban = server_ban(node, address="127.0.0.1", duration_seconds=600)
    try:
        assert ban["expires_at"] is not None
        for client in (alice, guest):
            assert (await client.wait_for("banned", include_past=True))["code"] == "banned"
            await eventually(lambda c=client: not c.sio.connected)
        newcomer = SalonClient(node.url, token=node.token(user_id("newcomer")))
        assert await refusal(newcomer.connect()) == "banned"
        assert await refusal(SalonClient(node.url, guest_name="Other").connect()) == "banned"
        assert rest_code(node, user_id("anyone")) == "banned"
    finally:
        lift(node, ban["id"])  # the operator API itself is not shut out by an address ban
    assert rest_code(node, user_id("anyone")) == "ok"
    await alice.connect()
    await alice.close()
    await guest.close()


def test_operator_api_refuses_without_the_token_and_bad_input(node: ServerProcess) -> None:
    with operator(node, token=None) as http:
        assert http.get(ADMIN).json()["error"]["code"] == "unauthenticated"
    with operator(node, token="wrong") as http:
        assert http.post(ADMIN, json={"user_id": "x"}).json()["error"]["code"] == "forbidden"
    # An ordinary user's valid token is not an operator token.
    with node.http(user_id("mallory")) as http:
        assert http.get(ADMIN).status_code == 403
    with operator(node) as http:
        for bad in (
            {},
            {"user_id": "a", "address": "127.0.0.1"},
            {"address": "not an address"},
            {"user_id": "a", "duration_seconds": 0},
            {"user_id": "a", "duration_seconds": 2**63},
            {"user_id": "a", "reason": "x" * 501},
        ):
            reply = http.post(ADMIN, json=bad)
            assert reply.status_code == 400, (bad, reply.text)
            assert reply.json()["error"]["code"] == "bad_request"
        assert http.delete(f"{ADMIN}/nosuchban").json()["error"]["code"] == "not_found"
        before = http.get(ADMIN).json()["bans"]
    assert before == []  # nothing refused was stored


def test_without_an_operator_token_there_is_no_operator_api(server: ServerProcess) -> None:
    with operator(server, token="anything") as http:
        reply = http.get(ADMIN)
    assert reply.status_code == 403
    assert reply.json()["error"]["code"] == "forbidden"


async def test_a_host_bans_a_member_from_one_room(node: ServerProcess) -> None:
    host_id, mia_id = user_id("host"), user_id("mia")
    host = SalonClient(node.url, token=node.token(host_id))
    mia = SalonClient(node.url, token=node.token(mia_id), reconnection=False)
    await host.connect()
    await mia.connect()
    room = str((await host.create_room("Moderated"))["id"])
    other = str((await host.create_room("Elsewhere"))["id"])
    await host.join(room)
    await mia.join(room)
    await mia.join(other)
    doc = await DocumentClient(node.url, room, "notes", token=node.token(mia_id)).connect()
    bans = f"/api/v1/rooms/{room}/bans"
    try:
        # Only hosts ban; a host cannot be banned (nor ban themselves); bad input is refused.
        assert await refusal(mia.request("POST", bans, {"user_id": host_id})) == "forbidden"
        assert await refusal(mia.request("GET", bans)) == "forbidden"
        assert await refusal(host.request("POST", bans, {"user_id": host_id})) == "conflict"
        assert await refusal(host.request("POST", bans, {"user_id": ""})) == "bad_request"
        assert await refusal(host.request("POST", bans, {"address": "127.0.0.1"})) == (
            "bad_request"
        )
        assert (await host.request("GET", bans))["bans"] == []

        ban = (await host.request("POST", bans, {"user_id": mia_id, "reason": "off topic"}))["ban"]
        assert ban["room_id"] == room
        removed = await mia.wait_for("room:removed", include_past=True)
        assert removed == {"room_id": room, "code": "banned"}
        assert await doc_shut_out(doc) == "banned"
        assert await refusal(mia.send_chat(room, "still here?")) == "banned"
        assert await refusal(mia.join(room)) == "banned"
        assert rest_code(node, mia_id, f"/api/v1/rooms/{room}") == "banned"
        # The rest of the server is hers as before.
        assert mia.sio.connected
        await mia.send_chat(other, "fine here")
        assert [b["id"] for b in (await host.request("GET", bans))["bans"]] == [ban["id"]]
        assert await refusal(mia.request("DELETE", f"{bans}/{ban['id']}")) == "banned"
        # A room's ban is lifted in that room only.
        assert await refusal(host.request("DELETE", f"{ADMIN}/{ban['id']}")) == "forbidden"
        wrong = f"/api/v1/rooms/{other}/bans/{ban['id']}"
        assert await refusal(host.request("DELETE", wrong)) == "not_found"

        await host.request("DELETE", f"{bans}/{ban['id']}")
        assert (await mia.join(room))["role"] == "participant"
        assert rest_code(node, mia_id, f"/api/v1/rooms/{room}") == "ok"
    finally:
        await doc.close()
        await mia.close()
        await host.close()


async def test_a_ban_on_one_node_shuts_out_sockets_on_another(tmp_path: Path) -> None:
    with cluster(tmp_path, nodes=2, operator_token=OPERATOR_TOKEN) as (nodes, _):
        a, b = nodes
        host_id, mia_id = user_id("host"), user_id("mia")
        host = SalonClient(a.url, token=a.token(host_id))
        mia = SalonClient(b.url, token=b.token(mia_id), reconnection=False)
        mia_on_a = SalonClient(a.url, token=a.token(mia_id), reconnection=False)
        for client in (host, mia, mia_on_a):
            await client.connect()
        room = str((await host.create_room("Two nodes"))["id"])
        await host.join(room)
        await mia.join(room)
        doc = await DocumentClient(b.url, room, "notes", token=b.token(mia_id)).connect()
        try:
            # A room ban made on node A: mia's sockets on node B leave the room at once.
            ban = (await host.request("POST", f"/api/v1/rooms/{room}/bans", {"user_id": mia_id}))[
                "ban"
            ]
            assert (await mia.wait_for("room:removed", include_past=True))["code"] == "banned"
            assert await doc_shut_out(doc) == "banned"
            assert await refusal(mia.join(room)) == "banned"
            await host.request("DELETE", f"/api/v1/rooms/{room}/bans/{ban['id']}")
            assert (await mia.join(room))["role"] == "participant"

            # A server ban made on node A: every socket of mia, on both nodes, is closed.
            ban = server_ban(a, user_id=mia_id)
            for client in (mia, mia_on_a):
                told = await client.wait_for("banned", include_past=True)
                assert told["details"]["scope"] == "server"
                await eventually(lambda c=client: not c.sio.connected)
            for node in nodes:
                again = SalonClient(node.url, token=node.token(mia_id), reconnection=False)
                assert await refusal(again.connect()) == "banned"
                assert rest_code(node, mia_id) == "banned"
            with operator(b) as http:  # listed on every node: one table
                assert ban["id"] in [x["id"] for x in http.get(ADMIN).json()["bans"]]

            lift(b, ban["id"])  # lifted on node B: node A lets her in again
            await eventually(lambda: rest_code(a, mia_id) == "ok")
            await mia_on_a.connect()
            assert (await mia_on_a.join(room))["role"] == "participant"
            await asyncio.sleep(0)
        finally:
            await doc.close()
            for client in (mia, mia_on_a, host):
                await client.close()
