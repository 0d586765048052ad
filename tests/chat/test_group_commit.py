"""Group-committed chat across two nodes on one PostgreSQL: batches of both nodes reserve
seqs in the same rooms at once (their row locks taken in room order, so they queue instead
of deadlocking), and a client id raced in on both nodes is stored once."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import select

from salon.store.db import Database
from salon.store.models import ChatMessage
from salon_client import SalonClient
from tests.support.clients import new_room, user_id
from tests.support.cluster import cluster
from tests.support.servers import ServerProcess

ROOMS = 3
PEOPLE = 8
EACH = 15


def client_on(node: ServerProcess, uid: str) -> SalonClient:
    return SalonClient(node.url, token=node.token(uid, uid.split("-")[0].title()))


async def stored_seqs(url: str, rooms: list[str]) -> dict[str, list[int]]:
    db = Database(url)
    await db.start()
    try:
        async with db.read() as s:
            rows = (
                await s.execute(
                    select(ChatMessage.room_id, ChatMessage.seq).where(
                        ChatMessage.room_id.in_(rooms)
                    )
                )
            ).all()
    finally:
        await db.stop()
    seqs: dict[str, list[int]] = {room: [] for room in rooms}
    for room, seq in rows:
        seqs[room].append(seq)
    return {room: sorted(s) for room, s in seqs.items()}


async def test_two_nodes_batch_into_the_same_rooms_gap_free_and_idempotent(
    tmp_path: Path,
) -> None:
    # A wide window makes both nodes' batches large and overlapping in rooms.
    with cluster(tmp_path, nodes=2, chat_commit_window=0.05) as (nodes, _):
        host = user_id("host")
        people = [user_id(f"p{i}") for i in range(PEOPLE)]
        async with client_on(nodes[0], host) as h:
            rooms = [await new_room(h, title=f"Batch room {i}") for i in range(ROOMS)]
        clients = [client_on(nodes[i % 2], uid) for i, uid in enumerate(people)]
        # The first person also has a tab on the other node: its sends race in on both.
        twin = client_on(nodes[1], people[0])
        for c in [*clients, twin]:
            await c.connect()
            for room in rooms:
                await c.join(room)
        acked: list[dict[str, Any]] = []

        async def chatter(c: SalonClient, who: int) -> None:
            for k in range(EACH):
                room = rooms[(who + k) % ROOMS]
                acked.append(await c.send_chat(room, f"m {who}/{k}", f"c-{who}-{k}"))

        async def race(k: int) -> list[dict[str, Any]]:
            payload = {"room_id": rooms[k % ROOMS], "client_id": f"twin-{k}", "body": f"t {k}"}
            replies = await asyncio.gather(
                clients[0].call("chat:send", payload), twin.call("chat:send", payload)
            )
            return list(replies)

        try:
            results = await asyncio.gather(
                *(chatter(c, i) for i, c in enumerate(clients)), *(race(k) for k in range(10))
            )
        finally:
            for c in [*clients, twin]:
                await c.close()
        raced = [pair for pair in results if pair is not None]
        for first, second in raced:
            assert first["message"]["id"] == second["message"]["id"]
            assert sorted([first["duplicate"], second["duplicate"]]) == [False, True]

        assert len(acked) == PEOPLE * EACH
        assert len({m["id"] for m in acked}) == len(acked)
        seqs = await stored_seqs(nodes[0].database_url or "", rooms)
        total = sum(len(s) for s in seqs.values())
        assert total == PEOPLE * EACH + len(raced)
        for room in rooms:  # gap-free per room, whichever node committed which batch
            assert seqs[room] == list(range(1, len(seqs[room]) + 1))
        by_room: dict[str, set[int]] = {room: set() for room in rooms}
        for m in acked:
            by_room[m["room_id"]].add(m["seq"])
        assert all(by_room[room] <= set(seqs[room]) for room in rooms)
