"""The chat commit path alone: ChatService.send at a fixed offered rate over 200 rooms x 10
members, in process (no sockets), each send timed until it returns — that is, until the
commit that holds the message; broadcast goes to no one. It isolates what group commit
changes and measures SQLite's synchronous=FULL against NORMAL on this disk.

    python -m bench.chat_commit [--rates 500,1000,2000,4000] [--seconds 5]
        [--backend sqlite-full|sqlite-normal|postgres] (repeatable; default: all three)
        [--batch 256] [--window 0.002]

``--batch 1`` commits every message alone (what main did, though through SQLAlchemy Core).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from salon.app import build_services
from salon.core.auth import Identity
from salon.core.config import Settings
from salon.store.migrate import upgrade
from salon.store.users import upsert_user
from tests.support.services import PG_HOST, PG_PORT, PG_USER, _admin

ROOMS = 200
MEMBERS = 10


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * q / 100))] if ordered else 0.0


async def offered(services: Any, rooms: list[str], people: list[Identity], rate: int, s: float):
    """Send at ``rate`` messages/s for ``s`` seconds (open loop: a slow commit does not slow
    the sender); the achieved rate and every send's latency in ms."""
    latencies: list[float] = []
    errors = 0

    async def one(k: int) -> None:
        nonlocal errors
        t0 = time.perf_counter()
        try:
            room = rooms[k % len(rooms)]
            who = people[(k // len(rooms)) % len(people)]
            await services.chat.send(room, who, uuid.uuid4().hex, f"message {k} in the bench")
        except Exception:
            errors += 1
            return
        latencies.append((time.perf_counter() - t0) * 1000)

    tasks = []
    start = time.perf_counter()
    k = 0
    while (now := time.perf_counter() - start) < s:
        due = int(now * rate)
        while k < due:
            tasks.append(asyncio.create_task(one(k)))
            k += 1
        await asyncio.sleep(0.001)
    await asyncio.gather(*tasks)
    took = time.perf_counter() - start
    return len(latencies) / took, sorted(latencies), errors


async def run(name: str, url: str, args: argparse.Namespace) -> list[str]:
    await asyncio.to_thread(upgrade, url)
    settings = Settings(
        database_url=url,
        secret="s" * 40,
        data_dir=Path(tempfile.mkdtemp()),
        chat_rate=1e9,
        chat_burst=10**9,
        chat_commit_batch=args.batch,
        chat_commit_window=args.window,
        sqlite_synchronous="normal" if name == "sqlite-normal" else "full",
    )
    services, _ = build_services(settings)
    for part in (services.db, services.bus, services.rooms, services.chat):
        await part.start()
    lines = []
    try:
        people = [Identity(f"member-{i}", f"Member {i}") for i in range(MEMBERS)]
        host = Identity("host", "Host")
        async with services.db.unit() as s:
            for who in [host, *people]:
                await upsert_user(s, who.user_id, who.name, False)
        rooms = [
            (await services.rooms.create(host, {"title": f"Room {i}", "visibility": "public"})).id
            for i in range(ROOMS)
        ]
        for room in rooms:  # the role cache, as on a node whose members are in their rooms
            for who in people:
                await services.rooms.role_of(room, who)
        await offered(services, rooms, people, min(args.rates), 1.0)  # warm-up
        for rate in args.rates:
            cpu0 = time.process_time()
            achieved, lat, errors = await offered(services, rooms, people, rate, args.seconds)
            cpu_ms = (time.process_time() - cpu0) * 1000 / max(1, len(lat))
            chat = services.chat._committer
            lines.append(
                f"| {name} | {args.batch} | {rate:,} | {achieved:,.0f} | "
                f"{percentile(lat, 50):.1f} | {percentile(lat, 99):.1f} | {errors} | "
                f"{chat.committed / max(1, chat.batches):.1f} | {cpu_ms:.2f} |"
            )
            print(lines[-1], flush=True)
            chat.batches = chat.committed = 0
    finally:
        await services.chat.stop()
        await services.bus.stop()
        await services.db.stop()
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="500,1000,2000,3000,4000")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument(
        "--backend", action="append", choices=["sqlite-full", "sqlite-normal", "postgres"]
    )
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--window", type=float, default=0.002)
    args = parser.parse_args()
    args.rates = [int(r) for r in args.rates.split(",")]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    print(
        "| archive | batch | offered/s | acked/s | ack p50 ms | ack p99 ms | errors "
        "| msgs/commit | CPU ms/msg |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name in args.backend or ["sqlite-full", "sqlite-normal", "postgres"]:
        if name.startswith("sqlite"):
            path = Path(tempfile.mkdtemp(prefix="salon-chat-commit-")) / "salon.db"
            await run(name, f"sqlite+aiosqlite:///{path}", args)
            continue
        db = f"salon_bench_{uuid.uuid4().hex[:8]}"
        _admin(f'CREATE DATABASE "{db}"')
        try:
            await run(name, f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{db}", args)
        finally:
            _admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
