"""Two real nodes on one Redis: room emits cross over the bus, each node on its own two
named connections for all its traffic."""

from __future__ import annotations

from pathlib import Path

import httpx

from salon.bus.redis import CONNECTIONS
from salon_client import SalonClient
from salon_client.document import DocumentClient
from tests.bus.helpers import connections_of, eventually
from tests.support.clients import new_room, user_id
from tests.support.cluster import cluster
from tests.support.servers import ServerProcess


def client_on(node: ServerProcess, uid: str) -> SalonClient:
    return SalonClient(node.url, token=node.token(uid, uid.split("-")[0].title()))


async def test_chat_spans_nodes_over_one_channel(tmp_path: Path) -> None:
    with cluster(tmp_path, nodes=2) as (nodes, broker):
        alice, bob = user_id("alice"), user_id("bob")
        a, b = client_on(nodes[0], alice), client_on(nodes[1], bob)
        await a.connect()
        await b.connect()
        try:
            room = await new_room(a)
            await a.join(room)
            await b.join(room)
            await a.send_chat(room, "from node 0")
            await b.send_chat(room, "from node 1")
            for client in (a, b):
                await client.wait_for(
                    "chat:message", lambda m: m["body"] == "from node 1", include_past=True
                )
                bodies = [m["body"] for m in client.events["chat:message"]]
                assert bodies == ["from node 0", "from node 1"]  # once each, in order

            # Documents replicate over the same bus.
            token = nodes[0].token(alice)
            doc_a = await DocumentClient(nodes[0].url, room, "notes", token=token).connect()
            doc_b = await DocumentClient(nodes[1].url, room, "notes", token=token).connect()
            doc_a.text().insert(0, "shared")
            await eventually(lambda: str(doc_b.text()) == "shared")
            for doc in (doc_a, doc_b):
                await doc.close()

            for node in nodes:
                ready = httpx.get(node.url + "/readyz").json()
                assert ready == {"ok": True, "checks": {"database": True, "redis": True}}
                # bus, presence, roles, sessions, documents and room emits: all on these
                held = connections_of(broker.port, node.settings["node_id"])
                assert len(held) == CONNECTIONS, held
                assert [c["cmd"] for c in held].count("psubscribe") == 1
        finally:
            await a.close()
            await b.close()
