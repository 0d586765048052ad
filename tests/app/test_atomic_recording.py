"""A chat message, its timeline event and its search entry commit together: a server killed
with SIGKILL at any moment keeps all three or none of them.

The exact moment between the commit and the broadcast is hit with the test-only crash point
(SALON_TEST_CRASH_AT, see salon.chat.crashpoint), where the process SIGKILLs itself; the
statistical variant kills the server from outside, at random, under a burst of chat."""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from salon.store.db import Database
from salon.store.models import ChatMessage, SearchEntry, TimelineEvent
from salon_client import SalonClient
from tests.support.clients import user_id
from tests.support.servers import ServerProcess
from tests.support.services import postgres_database, require_service


@pytest.fixture(params=["sqlite", "postgres"])
def crashable(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    """A private server (not started) on either backend, for tests that kill it."""
    if request.param == "sqlite":
        proc = ServerProcess(tmp_path / "data", presence_grace=0)
        yield proc
        proc.stop()
        return
    require_service("postgres")
    with postgres_database() as url:
        proc = ServerProcess(tmp_path / "data", database_url=url, presence_grace=0)
        yield proc
        proc.stop()


def archive_url(server: ServerProcess) -> str:
    return server.database_url or f"sqlite+aiosqlite:///{server.data_dir / 'salon.db'}"


@dataclass
class Recorded:
    """What the archive holds for one chat message: rows of each kind."""

    messages: int
    events: int
    entries: int


async def recorded(server: ServerProcess, room: str, client_id: str) -> Recorded:
    db = Database(archive_url(server))
    await db.start()
    try:
        async with db.read() as s:
            message = await s.scalar(
                select(ChatMessage).where(
                    ChatMessage.room_id == room, ChatMessage.client_id == client_id
                )
            )
            if message is None:
                return Recorded(0, 0, 0)
            events = await s.scalar(
                select(func.count()).where(
                    TimelineEvent.ref == f"chat:{message.id}", TimelineEvent.kind == "chat.message"
                )
            )
            entries = await s.scalar(
                select(func.count()).where(
                    SearchEntry.kind == "chat", SearchEntry.ref == str(message.id)
                )
            )
            return Recorded(1, int(events or 0), int(entries or 0))
    finally:
        await db.stop()


async def live_room(server: ServerProcess, host_id: str) -> tuple[str, str]:
    """A public room (everyone may chat) with a live session."""
    async with SalonClient(server.url, token=server.token(host_id)) as host:
        room = str((await host.create_room("Crash room"))["id"])
        session = await host.schedule_session(room, "Crashing session")
        await host.start_session(session["id"])
    return room, str(session["id"])


async def connect(server: ServerProcess, uid: str, room: str) -> SalonClient:
    client = SalonClient(server.url, token=server.token(uid), reconnection=False, timeout=5.0)
    await client.connect()
    await client.join(room)
    return client


def died_by_sigkill(server: ServerProcess, timeout: float = 10.0) -> bool:
    assert server.proc is not None
    server.proc.wait(timeout)
    return server.proc.returncode == -signal.SIGKILL


async def crash_on_send(server: ServerProcess, room: str, uid: str, client_id: str) -> None:
    """Send one message and watch the server SIGKILL itself at its crash point, unacked."""
    ann = await connect(server, uid, room)
    sending = asyncio.create_task(ann.send_chat(room, "zebracrossing at noon", client_id))
    assert await asyncio.to_thread(died_by_sigkill, server)
    with contextlib.suppress(Exception):
        await asyncio.wait_for(sending, timeout=10)
    # Never acknowledged: the socket died with the process (or the wait gave up on it).
    assert sending.cancelled() or sending.exception() is not None
    with contextlib.suppress(Exception):
        await ann.close()
    server.stop()


@pytest.mark.parametrize(
    ("point", "kept"), [("chat.after_commit", True), ("chat.before_commit", False)]
)
async def test_kill_at_the_crash_point_keeps_all_three_rows_or_none(
    crashable: ServerProcess, point: str, kept: bool
) -> None:
    host_id, ann_id = user_id("host"), user_id("ann")
    crashable.settings["test_crash_at"] = point  # SALON_TEST_CRASH_AT, for tests only
    crashable.start()
    room, _session = await live_room(crashable, host_id)
    await crash_on_send(crashable, room, ann_id, "c-crash")

    del crashable.settings["test_crash_at"]
    crashable.start()
    expected = Recorded(1, 1, 1) if kept else Recorded(0, 0, 0)
    assert await recorded(crashable, room, "c-crash") == expected

    # The client retries its unacknowledged send: a committed message comes back as the
    # duplicate, a lost one is stored now; either way with seq 1 (no gap) and all three rows.
    ann = await connect(crashable, ann_id, room)
    try:
        reply = await ann.call(
            "chat:send", {"room_id": room, "client_id": "c-crash", "body": "zebracrossing at noon"}
        )
    finally:
        await ann.close()
    assert reply["duplicate"] is kept
    assert reply["message"]["seq"] == 1
    assert await recorded(crashable, room, "c-crash") == Recorded(1, 1, 1)
    with crashable.http(host_id) as http:
        found = http.get("/api/v1/search", params={"q": "zebracrossing", "kind": "chat"}).json()
    assert [hit["id"] for hit in found["hits"]] == [str(reply["message"]["id"])]


async def chat_until_stopped(client: SalonClient, room: str, acked: list[dict[str, Any]]) -> None:
    i = 0
    while True:
        try:
            acked.append(await client.send_chat(room, f"burst message {i} from {client.url}"))
        except Exception:
            return  # the server died under us
        i += 1


async def audit(server: ServerProcess, room: str, session_id: str) -> dict[str, Any]:
    """Every message of the session against its timeline events and search entries."""
    db = Database(archive_url(server))
    await db.start()
    try:
        async with db.read() as s:
            messages = (
                await s.execute(
                    select(ChatMessage.id, ChatMessage.seq).where(ChatMessage.room_id == room)
                )
            ).all()
            events = (
                await s.scalars(
                    select(TimelineEvent.ref).where(
                        TimelineEvent.session_id == session_id,
                        TimelineEvent.kind == "chat.message",
                    )
                )
            ).all()
            timeline_seqs = (
                await s.scalars(
                    select(TimelineEvent.seq).where(TimelineEvent.session_id == session_id)
                )
            ).all()
            entries = (
                await s.scalars(
                    select(SearchEntry.ref).where(
                        SearchEntry.kind == "chat", SearchEntry.room_id == room
                    )
                )
            ).all()
    finally:
        await db.stop()
    return {
        "ids": sorted(m.id for m in messages),
        "seqs": sorted(m.seq for m in messages),
        "events": sorted(int(ref.removeprefix("chat:")) for ref in events),
        "entries": sorted(int(ref) for ref in entries),
        "timeline_seqs": sorted(timeline_seqs),
    }


async def test_every_message_keeps_one_event_and_one_entry_across_kill_9_rounds(
    crashable: ServerProcess,
) -> None:
    host_id = user_id("host")
    people = [user_id(name) for name in ("ann", "bob", "cem")]
    crashable.start()
    room, session_id = await live_room(crashable, host_id)
    rng = random.Random(9)
    acked: list[dict[str, Any]] = []
    for _round in range(4):
        clients = [await connect(crashable, uid, room) for uid in people]
        burst = [asyncio.create_task(chat_until_stopped(c, room, acked)) for c in clients]
        await asyncio.sleep(rng.uniform(0.4, 1.2))
        crashable.kill()  # SIGKILL from outside, wherever the sends are
        await asyncio.gather(*burst)
        for c in clients:
            with contextlib.suppress(Exception):
                await c.close()

        crashable.start()
        found = await audit(crashable, room, session_id)
        assert found["ids"], "the burst stored nothing before the kill"
        assert found["events"] == found["ids"]  # exactly one chat.message event each
        assert found["entries"] == found["ids"]  # exactly one search entry each
        assert found["seqs"] == list(range(1, len(found["ids"]) + 1))
        assert found["timeline_seqs"] == list(range(1, len(found["timeline_seqs"]) + 1))
        assert {m["id"] for m in acked} <= set(found["ids"])  # acknowledged means durable


SENDERS = ("ann", "bob", "cem", "dee", "eli", "fay")


@pytest.mark.parametrize(
    ("point", "kept"),
    [("chat.mid_batch", False), ("chat.before_commit", False), ("chat.after_commit", True)],
)
async def test_kill_in_the_middle_of_a_group_commit_keeps_whole_messages_only(
    crashable: ServerProcess, point: str, kept: bool
) -> None:
    """Six people send at once; the commit window is wide, so their messages share a batch.
    The server dies at ``point`` of the first batch, before any of them is acknowledged.
    After a restart each message has all three rows or none; every retry is answered
    (``duplicate`` exactly for the stored ones) and the seqs run 1..6 without a gap.
    Nothing here depends on how the sends were batched: a send left for a later batch never
    reached a commit, and is simply stored by its retry."""
    host_id = user_id("host")
    people = [user_id(name) for name in SENDERS]
    crashable.settings.update(chat_commit_window=0.5, test_crash_at=point)  # tests only
    crashable.start()
    room, session_id = await live_room(crashable, host_id)
    clients = [await connect(crashable, uid, room) for uid in people]
    sends = [
        asyncio.create_task(c.send_chat(room, f"zebracrossing number {i}", f"g-{i}"))
        for i, c in enumerate(clients)
    ]
    assert await asyncio.to_thread(died_by_sigkill, crashable)
    results = await asyncio.gather(*sends, return_exceptions=True)
    assert all(isinstance(r, BaseException) for r in results), "nothing may be acknowledged"
    for c in clients:
        with contextlib.suppress(Exception):
            await c.close()
    crashable.stop()

    del crashable.settings["test_crash_at"]
    crashable.start()
    before = [await recorded(crashable, room, f"g-{i}") for i in range(len(people))]
    assert all(r in (Recorded(1, 1, 1), Recorded(0, 0, 0)) for r in before), before
    stored = [r == Recorded(1, 1, 1) for r in before]
    if kept:
        assert any(stored), "the first batch committed before the crash"
    else:
        assert not any(stored), "a batch killed before its COMMIT leaves nothing"

    clients = [await connect(crashable, uid, room) for uid in people]
    try:
        replies = await asyncio.gather(
            *(
                c.call(
                    "chat:send",
                    {"room_id": room, "client_id": f"g-{i}", "body": f"zebracrossing number {i}"},
                )
                for i, c in enumerate(clients)
            )
        )
    finally:
        for c in clients:
            await c.close()
    assert [r["duplicate"] for r in replies] == stored
    assert sorted(r["message"]["seq"] for r in replies) == list(range(1, len(people) + 1))
    after = [await recorded(crashable, room, f"g-{i}") for i in range(len(people))]
    assert after == [Recorded(1, 1, 1)] * len(people)
    found = await audit(crashable, room, session_id)
    assert found["events"] == found["ids"] == found["entries"]
    assert found["timeline_seqs"] == list(range(1, len(found["timeline_seqs"]) + 1))
    with crashable.http(host_id) as http:
        hits = http.get("/api/v1/search", params={"q": "zebracrossing", "kind": "chat"}).json()
    assert {hit["id"] for hit in hits["hits"]} == {str(r["message"]["id"]) for r in replies}
