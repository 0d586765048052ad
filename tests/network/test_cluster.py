"""The inbox across nodes (Redis bus, one PostgreSQL): a note made on node A reaches every
socket of its person on node B, and a reconnect on either node catches up exactly the notes
that were missed."""

from __future__ import annotations

from pathlib import Path

from salon_client import SalonClient
from tests.network.helpers import pushed
from tests.support.clients import new_room, user_id
from tests.support.cluster import cluster
from tests.support.servers import ServerProcess


def client_on(node: ServerProcess, uid: str) -> SalonClient:
    return SalonClient(node.url, token=node.token(uid, uid.split("-")[0].title()))


async def test_notes_cross_nodes_and_reconnect_catches_up(tmp_path: Path) -> None:
    with cluster(tmp_path, nodes=2) as (nodes, _):
        host, erin, ann, bo = user_id("host"), user_id("erin"), user_id("ann"), user_id("bo")
        h, a = client_on(nodes[0], host), client_on(nodes[0], ann)
        e_b, e_a = client_on(nodes[1], erin), client_on(nodes[0], erin)
        b = client_on(nodes[1], bo)
        for client in (h, a, e_b, e_a, b):
            await client.connect()
        try:
            await a.follow("user", erin)  # made on node 0
            on_b = await pushed(e_b, "follow.new", user_id=ann)  # heard on node 1
            on_a = await pushed(e_a, "follow.new", user_id=ann)
            assert on_a["id"] == on_b["id"]

            room = await new_room(h, title="Across nodes")
            await e_b.close()
            await e_a.close()
            await b.follow("user", erin)  # node 1
            await h.set_role(room, erin, "participant")
            await h.join(room)
            await h.send_chat(room, f"@{erin} while you were away")  # node 0
            missed_ids: list[int] = []
            for node in nodes:  # whichever node the reconnect lands on
                back = client_on(node, erin)
                back.inbox_after = on_b["id"]
                await back.connect()
                try:
                    missed = await back.inbox_catch_up()
                finally:
                    await back.close()
                assert [n["kind"] for n in missed] == ["follow.new", "mention"]
                missed_ids.append(missed[0]["id"])
            assert missed_ids[0] == missed_ids[1]
        finally:
            for client in (h, a, b):
                await client.close()
