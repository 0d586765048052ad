"""A raised hand survives a server restart: on one node with SQLite (SIGTERM and start again)
and across nodes (the person's node is killed; they come back through nginx to another one).
Lowering the hand or leaving the room on purpose clears it for good."""

from __future__ import annotations

from pathlib import Path

import httpx

from salon_client import SalonClient
from tests.documents.helpers import eventually
from tests.support.clients import new_room, user_id
from tests.support.cluster import cluster, nginx_balancer
from tests.support.servers import ServerProcess


def hands(node: ServerProcess, room: str, viewer: str) -> dict[str, bool]:
    with node.http(viewer) as http:
        people = http.get(f"/api/v1/rooms/{room}/presence").json()["presence"]
    return {p["user_id"]: p["hand_raised"] for p in people}


def client(url: str, node: ServerProcess, uid: str) -> SalonClient:
    return SalonClient(url, token=node.token(uid, uid.split("-")[0].title()), timeout=30.0)


async def test_a_raised_hand_survives_a_restart_on_sqlite(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "node")
    server.start()
    try:
        host, bob, carol = user_id("host"), user_id("bob"), user_id("carol")
        h, b, c = (client(server.url, server, u) for u in (host, bob, carol))
        for x in (h, b, c):
            await x.connect()
        room = await new_room(h, visibility="public")
        for x in (h, b, c):
            await x.join(room)
        await b.raise_hand(room)
        await c.raise_hand(room)
        await c.raise_hand(room, False)  # lowered before the restart: stays lowered
        server.stop()
        server.start()
        for x in (h, b, c):  # their clients reconnect and rejoin by themselves
            await x.wait_for("client:rejoined", timeout=60, include_past=True)
        await eventually(
            lambda: hands(server, room, host) == {host: False, bob: True, carol: False}
        )
        # The rejoin shows it to the person too, and they can lower it as before.
        await b.raise_hand(room, False)
        await b.leave(room)
        await b.join(room)
        assert hands(server, room, host)[bob] is False
        await c.raise_hand(room)
        await c.leave(room)  # leaving on purpose lowers the hand for good
        await c.join(room)
        assert hands(server, room, host)[carol] is False
        for x in (h, b, c):
            await x.close()
    finally:
        server.stop()


async def test_a_raised_hand_survives_its_node_dying(tmp_path: Path) -> None:
    with (
        cluster(tmp_path, nodes=2, presence_grace=1.0) as (nodes, _),
        nginx_balancer(tmp_path, nodes) as balancer,
    ):
        host, bob = user_id("host"), user_id("bob")
        h, b = client(balancer, nodes[0], host), client(balancer, nodes[0], bob)
        await h.connect()
        before = [_connections(n) for n in nodes]
        await b.connect()  # least_conn: not on the host's node
        after = [_connections(n) for n in nodes]
        bobs = next(i for i in range(2) if after[i] > before[i])
        room = await new_room(h, visibility="public")
        await h.join(room)
        await b.join(room)
        await b.raise_hand(room)
        await eventually(lambda: all(hands(n, room, host).get(bob) for n in nodes))
        nodes[bobs].kill()
        await b.wait_for("client:rejoined", timeout=60, include_past=True)
        survivor = nodes[1 - bobs]
        await eventually(lambda: hands(survivor, room, host).get(bob) is True, within=20)
        nodes[bobs].start()
        await eventually(lambda: all(hands(n, room, host).get(bob) is True for n in nodes))
        await h.close()
        await b.close()


def _connections(node: ServerProcess) -> int:
    metrics = httpx.get(node.url + "/metrics", timeout=5.0).text
    line = next(x for x in metrics.splitlines() if x.startswith("salon_connections "))
    return int(float(line.split()[1]))
