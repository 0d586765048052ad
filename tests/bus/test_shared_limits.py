"""Per-user budgets (chat, reactions, Q&A) are shared by all nodes on one Redis: a person with
sockets on two nodes gets one budget, not two. With Redis gone, each node counts on its own
(the budget per node, as without Redis) and nothing fails. Two real nodes, a private Redis
(stopped in the second test), real Socket.IO clients."""

from __future__ import annotations

from pathlib import Path

from salon_client import SalonClient, SalonClientError
from tests.support.clients import user_id
from tests.support.cluster import cluster
from tests.support.servers import ServerProcess

BURST = 4
# Practically no refill during a test: what is accepted is the burst, whatever the timing.
LIMITS = {"chat_rate": 0.001, "chat_burst": BURST}


async def sent(client: SalonClient, room: str, n: int, label: str) -> list[str]:
    """The outcome of ``n`` sends: "ok" or the error code."""
    outcomes = []
    for i in range(n):
        try:
            await client.send_chat(room, f"{label} {i}")
            outcomes.append("ok")
        except SalonClientError as exc:
            outcomes.append(exc.code)
    return outcomes


async def two_sockets(nodes: list[ServerProcess], uid: str) -> tuple[SalonClient, SalonClient]:
    a = SalonClient(nodes[0].url, token=nodes[0].token(uid))
    b = SalonClient(nodes[1].url, token=nodes[1].token(uid))
    await a.connect()
    await b.connect()
    return a, b


async def test_one_chat_budget_per_user_across_nodes(tmp_path: Path) -> None:
    with cluster(tmp_path, nodes=2, **LIMITS) as (nodes, _):
        uid = user_id("alice")
        a, b = await two_sockets(nodes, uid)
        try:
            room = str((await a.create_room("Budget"))["id"])
            await a.join(room)
            await b.join(room)
            outcomes = []
            for _ in range(BURST):  # alternate nodes: per-node buckets would take 2 x BURST
                outcomes += await sent(a, room, 1, "a")
                outcomes += await sent(b, room, 1, "b")
            assert outcomes.count("ok") == BURST
            assert set(outcomes[BURST:]) == {"rate_limited"}
            # Q&A shares its own bucket the same way (questions need a live session).
            await a.start_session((await a.schedule_session(room, "Q&A"))["id"])
            asked = []
            for client in (a, b) * BURST:
                try:
                    await client.ask(room, f"Question {len(asked)}?")
                    asked.append("ok")
                except SalonClientError as exc:
                    asked.append(exc.code)
            assert asked.count("ok") == BURST and set(asked[BURST:]) == {"rate_limited"}
            # Another person's budget is untouched.
            other = SalonClient(nodes[1].url, token=nodes[1].token(user_id("bob")))
            await other.connect()
            await other.join(room)
            assert await sent(other, room, 1, "bob") == ["ok"]
            await other.close()
        finally:
            await a.close()
            await b.close()


async def test_with_redis_down_each_node_keeps_its_own_budget(tmp_path: Path) -> None:
    with cluster(tmp_path, nodes=2, **LIMITS) as (nodes, broker):
        uid = user_id("carol")
        a, b = await two_sockets(nodes, uid)
        try:
            room = str((await a.create_room("Outage"))["id"])
            await a.join(room)
            await b.join(room)
            broker.stop()
            # Each node's own bucket: BURST each, then refused; never an error of another kind.
            on_a = await sent(a, room, BURST + 2, "a")
            on_b = await sent(b, room, BURST + 2, "b")
            for outcomes in (on_a, on_b):
                assert outcomes == ["ok"] * BURST + ["rate_limited"] * 2, outcomes
            for node in nodes:
                assert "Traceback" not in node.log()
                assert "shared rate limits unavailable" in node.log()
        finally:
            await a.close()
            await b.close()
