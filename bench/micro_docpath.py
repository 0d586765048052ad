"""Micro-benchmark: Salon's whole document path per edit, in process, empty vs. ~160 kB document.

What one writer's one-character edit costs the server apart from sockets: ``DocRoom.apply_edit``
(validation, the forged-update check, Yrs apply, the observer's re-encode), the manager's flush
loop (merge, one broadcast to a transport that only counts), the grouped-commit log writer on a
migrated SQLite archive, and the snapshots it triggers. CPU is process time (the aiosqlite
thread included), so other load on a shared machine does not count; the ratio large/empty is
the number the issue's target (≤ 1.25x) is about.

``--ratio`` sets ``DocLimits.snapshot_tail_ratio``; 0 reproduces the old trigger (a snapshot
every ``snapshot_every`` log rows whatever the document's size).

Run: ``python -m bench.micro_docpath [--edits 20000] [--rate 12800] [--ratio 0.5]``.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pycrdt

from bench.micro_pycrdt import build_trace, edits
from salon.documents import repository as repo
from salon.documents.limits import DocLimits
from salon.documents.manager import DocManager
from salon.documents.room import Author, Client
from salon.store.db import Database
from salon.store.migrate import upgrade
from salon.store.models import Room, User


class CountingTransport:
    """Stands in for the sockets: counts what the flush loop hands out."""

    def __init__(self) -> None:
        self.broadcasts = 0

    async def broadcast(self, namespace: str, event: str, data: bytes, skip: Sequence[str]) -> None:
        self.broadcasts += 1

    async def send(self, namespace: str, sid: str, event: str, data: bytes) -> None:
        self.broadcasts += 1

    async def disconnect(self, namespace: str, sid: str) -> None:
        pass


async def _archive(directory: Path) -> Database:
    url = f"sqlite+aiosqlite:///{directory / 'salon.db'}"
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    await db.start()
    async with db.unit() as session:
        session.add(User(id="ana", name="Ana"))
        await session.flush()
        session.add(Room(id="room1", title="Room", created_by="ana"))
    return db


async def run_one(state: bytes, updates: list[bytes], rate: float, ratio: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="salon-micro-") as tmp:
        db = await _archive(Path(tmp))
        async with db.unit() as session:
            document_id = (await repo.add_document(session, "room1", "notes", "ana")).id
        manager = DocManager(db, DocLimits(snapshot_tail_ratio=ratio), CountingTransport())
        await manager.start()
        room = await manager.open(document_id, "room1")
        seeder = Client("seed", "/ns", "ana", "participant")
        room.join(seeder)
        room.apply(state, Author("ana"), "seed")
        await manager.writer.flush()
        writer = Client("writer", "/ns", "ana", "participant")
        room.join(writer)
        per_tick = max(1, round(rate / 1000))  # edits per millisecond tick
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for i in range(0, len(updates), per_tick):
            for update in updates[i : i + per_tick]:
                room.apply_edit(writer, update)
            await asyncio.sleep(0.001)
        await manager.writer.flush()
        for task in list(manager.writer._snapshot_tasks):
            await task
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        async with db.read() as session:
            snapshots = len(await repo.list_snapshots(session, document_id))
        await manager.stop()
        await db.stop()
    return {
        "cpu_us_per_edit": cpu / len(updates) * 1e6,
        "wall_s": wall,
        "snapshots": snapshots,
    }


async def main_async(args: argparse.Namespace) -> None:
    empty: pycrdt.Doc[Any] = pycrdt.Doc()
    empty["trace"] = pycrdt.Text()
    large, _ = build_trace(args.bytes)
    print(f"document path: {args.edits} one-character edits at {args.rate}/s, ratio {args.ratio}")
    # Unmeasured warm-up: SQLAlchemy compiles and caches its statements on first use.
    await run_one(empty.get_update(), edits(empty.get_update(), 2000), args.rate, args.ratio)
    results = {}
    for name, state in (("empty", empty.get_update()), (f"{len(large) // 1000} kB", large)):
        updates = edits(state, args.edits)
        results[name] = await run_one(state, updates, args.rate, args.ratio)
        r = results[name]
        print(
            f"{name:>8}: {r['cpu_us_per_edit']:.1f} µs CPU per edit, "
            f"{r['snapshots']} snapshots kept, {r['wall_s']:.1f} s"
        )
    values = list(results.values())
    ratio = values[1]["cpu_us_per_edit"] / values[0]["cpu_us_per_edit"]
    print(f"large/empty CPU per edit: {ratio:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=12_800)
    parser.add_argument("--bytes", type=int, default=160_000)
    parser.add_argument("--ratio", type=float, default=DocLimits().snapshot_tail_ratio)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
