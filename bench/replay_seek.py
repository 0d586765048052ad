"""Replay seek benchmark: a two-hour session with 100,000 document updates and 5,000 chat
messages, then seeks to random moments — in-process (the seek itself) and over REST
(what a browser's deep link costs).

    python -m bench.replay_seek [--updates 100000] [--chat 5000] [--seeks 50]
                                [--database-url postgresql+asyncpg://...]

Builds the archive directly through the store models (the same tables the server writes),
with a snapshot every 200 log rows like the document writer, and prints p50/p95/max.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pycrdt

from salon.core.auth import Identity, mint_token
from salon.core.config import Settings
from salon.documents.persist import SNAPSHOTS_KEPT
from salon.documents.repository import prune_snapshots
from salon.store.db import Database
from salon.store.migrate import upgrade
from salon.store.models import (
    ChatMessage,
    DocSnapshot,
    Document,
    DocUpdate,
    Room,
    SessionRecord,
    TimelineEvent,
    User,
)

SECRET = "bench-secret-" * 4
HOURS = 2
SNAPSHOT_EVERY = 200


def typing_trace(count: int) -> list[bytes]:
    """``count`` single-keystroke updates of one typist (with some deletions)."""
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    text = doc.get("content", type=pycrdt.Text)
    updates: list[bytes] = []
    doc.observe(lambda event: updates.append(event.update))
    rng = random.Random(7)
    for _ in range(count):
        if len(text) > 20 and rng.random() < 0.1:
            del text[len(text) - 1]
        else:
            text.insert(
                rng.randrange(len(text) + 1) if rng.random() < 0.2 else len(text),
                rng.choice("abcdefghijklmnopqrstuvwxyz  .\n"),
            )
    return updates


async def build(db: Database, updates: int, chat: int) -> None:
    start = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    span = timedelta(hours=HOURS).total_seconds()
    async with db.unit() as s:
        s.add(User(id="host", name="Host"))
        s.add(User(id="ann", name="Ann"))
        await s.flush()
        s.add(Room(id="benchroom", title="Bench", created_by="host"))
        await s.flush()
        s.add(
            SessionRecord(
                id="benchsession",
                room_id="benchroom",
                title="Two hours",
                created_by="host",
                status="ended",
                started_at=start,
                ended_at=start + timedelta(hours=HOURS),
                timeline_seq=chat,
            )
        )
        s.add(Document(id="benchdoc", room_id="benchroom", name="notes", created_by="host"))
    trace = typing_trace(updates)
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    for first in range(0, updates, 5000):
        async with db.unit() as s:
            for i in range(first, min(first + 5000, updates)):
                at = start + timedelta(seconds=span * i / updates)
                s.add(
                    DocUpdate(
                        id=i + 1,
                        document_id="benchdoc",
                        data=trace[i],
                        user_id="ann",
                        session_id="benchsession",
                        created_at=at,
                    )
                )
                doc.apply_update(trace[i])
                if (i + 1) % SNAPSHOT_EVERY == 0:
                    s.add(
                        DocSnapshot(
                            document_id="benchdoc",
                            upto_update_id=i + 1,
                            upto_at=at,
                            state=doc.get_update(),
                            update_count=SNAPSHOT_EVERY,
                        )
                    )
    async with db.unit() as s:
        for i in range(chat):
            at = start + timedelta(seconds=span * (i + 0.5) / chat)
            message = {
                "id": i + 1,
                "room_id": "benchroom",
                "seq": i + 1,
                "user_id": "ann",
                "name": "Ann",
                "body": f"message {i}",
                "deleted": False,
                "reactions": {},
                "created_at": at.isoformat(),
                "edited_at": None,
                "session_id": "benchsession",
                "client_id": str(i),
            }
            s.add(
                ChatMessage(
                    id=i + 1,
                    room_id="benchroom",
                    seq=i + 1,
                    user_id="ann",
                    client_id=str(i),
                    body=f"message {i}",
                    created_at=at,
                    session_id="benchsession",
                )
            )
            s.add(
                TimelineEvent(
                    session_id="benchsession",
                    seq=i + 1,
                    at=at,
                    kind="chat.message",
                    actor="ann",
                    ref=f"chat:{i + 1}",
                    data=message,
                )
            )


async def thin_snapshots(url: str) -> None:
    db = Database(url)
    await db.start()
    try:
        async with db.unit() as s:
            await prune_snapshots(s, "benchdoc", SNAPSHOTS_KEPT)
    finally:
        await db.stop()


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return (
        f"p50 {statistics.median(ordered):6.1f} ms   p95 {p95:6.1f} ms   max {ordered[-1]:6.1f} ms"
    )


async def seek_in_process(db: Database, session_id: str, seeks: int) -> list[float]:
    from salon.app import build_services

    settings = Settings(database_url=db.url, secret=SECRET, data_dir=Path(tempfile.mkdtemp()))
    services, _ = build_services(settings)
    await services.db.start()
    replay = services.replay
    source = await replay.open(Identity("host", "Host"), session_id)
    rng = random.Random(1)
    times = []
    for _ in range(seeks):
        offset = rng.randrange(source.duration_ms)
        t0 = time.perf_counter()
        state = await source.state(offset)
        times.append((time.perf_counter() - t0) * 1000)
        assert state["documents"][0]["text"] is not None
    await services.db.stop()
    return times


def seek_over_rest(url: str, data_dir: Path, session_id: str, seeks: int) -> list[float]:
    port = 18765
    env = {
        **os.environ,
        "SALON_SECRET": SECRET,
        "SALON_DATABASE_URL": url,
        "SALON_AUTO_MIGRATE": "false",
        "SALON_PORT": str(port),
        "SALON_LOG_LEVEL": "warning",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "salon", "serve", "--data-dir", str(data_dir)], env=env
    )
    base = f"http://127.0.0.1:{port}"
    headers = {"authorization": f"Bearer {mint_token(SECRET, 'host', 'Host')}"}
    try:
        for _ in range(100):
            try:
                if httpx.get(base + "/readyz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        rng = random.Random(2)
        times = []
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
            http.get(f"/api/v1/sessions/{session_id}/replay/state", params={"t": 0})  # warm
            for _ in range(seeks):
                t = rng.randrange(HOURS * 3600 * 1000)
                t0 = time.perf_counter()
                r = http.get(f"/api/v1/sessions/{session_id}/replay/state", params={"t": t})
                times.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, r.text
        return times
    finally:
        proc.terminate()
        proc.wait(10)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=100_000)
    parser.add_argument("--chat", type=int, default=5_000)
    parser.add_argument("--seeks", type=int, default=50)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument(
        "--reuse", type=Path, default=None, help="a data dir a previous run built: measure only"
    )
    args = parser.parse_args()
    data_dir = args.reuse or Path(tempfile.mkdtemp(prefix="salon-replay-bench-"))
    url = args.database_url or f"sqlite+aiosqlite:///{data_dir / 'salon.db'}"
    await asyncio.to_thread(upgrade, url)
    session_id = "benchsession"
    if args.reuse is not None:
        await thin_snapshots(url)  # as the document writer does: newest ten, then one per 1,000
    else:
        db = Database(url)
        await db.start()
        t0 = time.perf_counter()
        await build(db, args.updates, args.chat)
        await db.stop()
        await thin_snapshots(url)
        print(
            f"built a {HOURS} h session: {args.updates} document updates, {args.chat} chat "
            f"messages in {time.perf_counter() - t0:.0f} s ({url.split(':')[0]}) in {data_dir}"
        )
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    db = Database(url)
    await db.start()
    print(
        f"seek (ReplaySource.state), {args.seeks} random moments: "
        f"{summary(await seek_in_process(db, session_id, args.seeks))}"
    )
    await db.stop()
    rest = await asyncio.to_thread(seek_over_rest, url, data_dir, session_id, args.seeks)
    print(f"seek over REST (GET …/replay/state?t=), {args.seeks} random moments: {summary(rest)}")


if __name__ == "__main__":
    asyncio.run(main())
