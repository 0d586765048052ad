"""Two nodes sharing PostgreSQL and Redis: Q&A reaches clients on either node with the same
visibility rules, votes count once per person across nodes, and the timeline holds each
event once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from salon_client import SalonClient
from tests.support.clients import new_room, user_id
from tests.support.cluster import cluster
from tests.support.servers import ServerProcess


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    with cluster(tmp_path) as (servers, _redis):
        yield servers[0], servers[1]


async def test_qa_across_nodes(nodes: tuple[ServerProcess, ServerProcess]) -> None:
    node_a, node_b = nodes
    host, pat, zoe, quinn = user_id("host"), user_id("pat"), user_id("zoe"), user_id("quinn")
    async with AsyncExitStack() as stack:
        clients = []
        for node, uid in ((node_a, host), (node_a, pat), (node_b, zoe), (node_b, quinn)):
            client = SalonClient(node.url, token=node.token(uid, uid.split("-")[0].title()))
            await client.connect()
            stack.push_async_callback(client.close)
            clients.append(client)
        h, p, z, q = clients
        room = await new_room(h)
        for client in (h, p, q):
            await client.join(room)
        session = await h.schedule_session(room, "Across nodes")
        await h.start_session(session["id"])
        await q.wait_for("session:started", include_past=True)

        asked = await z.ask(room, "Anonymous across the cluster?", anonymous=True)
        seen_by_pat = await p.wait_for(
            "qa:question", lambda x: x["id"] == asked["id"], include_past=True
        )
        assert seen_by_pat["asker"] is None
        private = await h.wait_for(
            "qa:question:private", lambda x: x["id"] == asked["id"], include_past=True
        )
        assert private["asker"]["user_id"] == zoe

        # The same person clicking on both nodes at once, and others: one vote each.
        same_user_a = SalonClient(node_a.url, token=node_a.token(quinn, "Quinn"))
        await same_user_a.connect()
        stack.push_async_callback(same_user_a.close)
        clicks = [c.vote(asked["id"]) for c in (q, same_user_a) for _ in range(3)]
        await asyncio.gather(*clicks, p.vote(asked["id"]), h.vote(asked["id"]))
        assert (await q.questions(session["id"]))[0]["votes"] == 3

        # A role change is heard by both nodes and written once.
        await h.set_role(room, pat, "expert")
        await p.wait_for("role:changed", include_past=True)
        await asyncio.sleep(0.5)
        await h.end_session(session["id"])
        events = (await h.timeline(session["id"], limit=1000))["events"]
        assert [e["kind"] for e in events].count("role.change") == 1
        assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
        assert zoe not in str([e for e in (await p.timeline(session["id"]))["events"]])
