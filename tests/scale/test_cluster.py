"""Several nodes behind one Redis and one PostgreSQL behave like one server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from salon_client import SalonClient
from salon_client.document import DocumentClient
from tests.documents.helpers import eventually
from tests.support.clients import new_room, user_id
from tests.support.cluster import Proxy, cluster
from tests.support.servers import ServerProcess


def client_on(node: ServerProcess, uid: str, url: str | None = None) -> SalonClient:
    return SalonClient(url or node.url, token=node.token(uid, uid.split("-")[0].title()))


async def test_chat_presence_and_roles_span_nodes(tmp_path: Path) -> None:
    with cluster(tmp_path, nodes=3) as (nodes, _):
        host, bob, carol = user_id("host"), user_id("bob"), user_id("carol")
        h, b, c = client_on(nodes[0], host), client_on(nodes[1], bob), client_on(nodes[2], carol)
        for client in (h, b, c):
            await client.connect()
        try:
            room = await new_room(h)
            await h.join(room)
            await b.join(room)
            await c.join(room)
            await h.wait_for("presence:joined", lambda p: p["user_id"] == carol, include_past=True)
            await asyncio.sleep(0.3)
            for node in nodes:  # one list, whichever node you ask
                with node.http(host) as http:
                    listed = http.get(f"/api/v1/rooms/{room}/presence").json()["presence"]
                assert {p["user_id"] for p in listed} == {host, bob, carol}, node.port

            await b.send_chat(room, "from node 1")
            await c.send_chat(room, "from node 2")
            for client in (h, b, c):
                await client.wait_for(
                    "chat:message", lambda m: m["body"] == "from node 2", include_past=True
                )
                bodies = [m["body"] for m in client.events["chat:message"]]
                assert bodies == ["from node 1", "from node 2"]  # once each, in order

            await h.set_role(room, carol, "viewer")  # granted on node 0, applied on node 2
            assert (await c.wait_for("role:changed", include_past=True))["role"] == "viewer"
            reply = await c.sio.call("chat:send", {"room_id": room, "client_id": "x", "body": "y"})
            assert reply["error"]["code"] == "forbidden"
        finally:
            for client in (h, b, c):
                await client.close()


async def test_killed_node_clients_reconnect_elsewhere_and_catch_up(tmp_path: Path) -> None:
    with cluster(tmp_path, nodes=2, presence_grace=1.0) as (nodes, _):
        alice, bob, dave = user_id("alice"), user_id("bob"), user_id("dave")
        with Proxy(nodes[0].port) as balancer:
            a = client_on(nodes[0], alice, balancer.url)
            d = client_on(nodes[0], dave, balancer.url)
            b = client_on(nodes[1], bob)
            for client in (a, b, d):
                await client.connect()
            d.sio.reconnection = False  # dave's laptop goes away with the node
            try:
                room = await new_room(b)
                for client in (a, b, d):
                    await client.join(room)
                acked = [await a.send_chat(room, f"a{i}") for i in range(20)]

                # alice comes back after 3 s, so what bob says meanwhile is only catch-up.
                a.sio.reconnection_delay, a.sio.randomization_factor = 3.0, 0.0
                nodes[0].kill()
                balancer.target = nodes[1].port
                missed = [await b.send_chat(room, f"b{i}") for i in range(5)]
                rejoined = await a.wait_for("client:rejoined", timeout=30, include_past=True)
                assert [m["body"] for m in rejoined["missed"]] == [m["body"] for m in missed]

                left = await b.wait_for(
                    "presence:left", lambda p: p["user_id"] == dave, timeout=15, include_past=True
                )
                assert left == {"user_id": dave}
                assert alice not in [e["user_id"] for e in b.events["presence:left"]]
                with nodes[1].http(bob) as http:
                    stored = http.get(f"/api/v1/rooms/{room}/chat", params={"limit": 100}).json()
                bodies = [m["body"] for m in stored["messages"]]
                assert bodies == [m["body"] for m in acked + missed]
            finally:
                for client in (a, b, d):
                    await client.close()


async def test_redis_outage_keeps_nodes_serving_then_resynchronises(tmp_path: Path) -> None:
    with cluster(tmp_path, nodes=2) as (nodes, broker):
        alice, bob = user_id("alice"), user_id("bob")
        a, b = client_on(nodes[0], alice), client_on(nodes[1], bob)
        await a.connect()
        await b.connect()
        try:
            room = await new_room(a)
            await a.join(room)
            broker.stop()
            assert httpx.get(nodes[0].url + "/readyz").status_code == 503
            await a.send_chat(room, "during the outage")  # still accepted and stored
            broker.start()
            await b.join(room)  # bob joins on the other node after Redis returns
            await asyncio.sleep(6)  # heartbeats and snapshots flow again
            with nodes[1].http(bob) as http:
                listed = http.get(f"/api/v1/rooms/{room}/presence").json()["presence"]
                history = http.get(f"/api/v1/rooms/{room}/chat").json()["messages"]
            assert {p["user_id"] for p in listed} == {alice, bob}
            assert [m["body"] for m in history] == ["during the outage"]
            await b.send_chat(room, "and after")
            await a.wait_for(
                "chat:message", lambda m: m["body"] == "and after", timeout=10, include_past=True
            )
        finally:
            await a.close()
            await b.close()


async def test_documents_converge_after_redis_restart_during_edits(tmp_path: Path) -> None:
    with cluster(tmp_path, nodes=2) as (nodes, broker):
        host = user_id("host")
        creator = client_on(nodes[0], host)
        await creator.connect()
        room = await new_room(creator)
        await creator.close()
        token = nodes[0].token(host)
        a = await DocumentClient(nodes[0].url, room, "notes", token=token).connect()
        b = await DocumentClient(nodes[1].url, room, "notes", token=token).connect()
        a.text().insert(0, "before. ")
        await eventually(lambda: str(b.text()) == "before. ")

        broker.stop()  # both nodes keep taking edits from their own clients
        for i in range(20):
            a.text().insert(len(a.text()), f"a{i} ")
            b.text().insert(0, f"b{i} ")
            await asyncio.sleep(0.02)
        await a.flushed()
        await b.flushed()
        broker.start()

        await eventually(lambda: str(a.text()) == str(b.text()), within=30)
        text = str(a.text())
        assert all(f"a{i} " in text and f"b{i} " in text for i in range(20))
        late = await DocumentClient(nodes[1].url, room, "notes", token=token).connect()
        await eventually(lambda: str(late.text()) == text, within=15)
        for client in (a, b, late):
            await client.close()
