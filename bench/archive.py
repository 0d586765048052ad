"""Archive benchmark: chat ingest through the real service, and search latency over a large
index (a million chat messages by default), on SQLite and on PostgreSQL.

    python -m bench.archive [--messages 1000000] [--queries 200] [--backend sqlite|postgres]
    python -m bench.archive --sqlite-file /tmp/a.db --pg-database salon_archive --reuse
    python -m bench.archive --semantic [--qas 20000]

With ``--semantic`` the node runs the semantic stage of search and the archive also holds
``--qas`` answered Q&As with stored vectors (fill_qas says why they are random), so each
search also embeds its query and compares it with every vector.

Ingest: ChatService.send in a loop for a few seconds (validation, sequence number, commit,
broadcast to no one) — one durable commit per message, as a client's ack requires.
Search: the index is filled directly (bulk insert of search entries with the same index
terms the server writes, folded and stemmed; message text drawn from a 20,000-word
vocabulary with a Zipf law, like natural language), then SearchService.search answers one-
and two-word queries as a member of the room: words from the 5,000 most used, and separately
the 20 most used.

A named archive (``--sqlite-file``, ``--pg-database``) is kept afterwards; with ``--reuse`` a
kept archive of the same size is searched again without ingest and fill (minutes at 1M).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import platform
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

from salon.app import build_services
from salon.core.auth import Identity
from salon.core.config import Settings
from salon.search.service import SearchQuery, SearchService
from salon.search.text import index_terms
from salon.services import Services
from salon.store.migrate import upgrade
from salon.store.models import Membership, Room, SearchEntry, SearchVector
from tests.support.services import PG_HOST, PG_PORT, PG_USER, _admin

SYLLABLES = [
    "ka",
    "to",
    "ri",
    "sen",
    "mo",
    "lu",
    "dar",
    "vi",
    "pel",
    "nor",
    "qu",
    "zen",
    "ba",
    "sti",
    "gro",
    "ten",
    "fa",
    "lin",
    "cor",
    "dex",
]
SPECIAL = [
    "rotate",
    "staging",
    "certificate",
    "bastion",
    "secret",
    "vault",
    "ingress",
    "für",
    "größe",
    "証明書",
    "回転",
    "naïve",
    "café",
]


def vocabulary(size: int = 20_000) -> list[str]:
    """Pseudo-words, most frequent first; messages draw them with a Zipf law like real text."""
    rng = random.Random(11)
    words: list[str] = list(SPECIAL)
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    rng.shuffle(words)
    return words


WORDS = vocabulary()
WEIGHTS = [1 / (rank + 1) ** 1.07 for rank in range(len(WORDS))]
# What random.choices would accumulate from WEIGHTS on every call (same draws, 20,000 fewer
# additions per message).
CUM_WEIGHTS = list(itertools.accumulate(WEIGHTS))
HOST = Identity("host", "Host")


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choices(WORDS, cum_weights=CUM_WEIGHTS, k=rng.randint(6, 14)))


async def fill(services: Services, count: int, rng: random.Random) -> float:
    async with services.db.unit() as s:  # the host user exists since the ingest step
        s.add(Room(id="benchroom", title="Bench", created_by="host"))
        await s.flush()
        s.add(Membership(room_id="benchroom", user_id="host", role="host"))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    t0 = time.perf_counter()
    for first in range(0, count, 20_000):
        rows = []
        for i in range(first, min(first + 20_000, count)):
            body = sentence(rng)
            rows.append(
                {
                    "kind": "chat",
                    "ref": f"chat:{i}",
                    "room_id": "benchroom",
                    "session_id": None,
                    "seq": i + 1,
                    "at": start + timedelta(seconds=i),
                    "title": "",
                    "body": body,
                    "title_terms": "",
                    "terms": index_terms(body),
                    "tags": "||",
                    "people": "|host|",
                    "answered": False,
                    "author_id": "host",
                }
            )
        async with services.db.unit() as s:
            await s.execute(insert(SearchEntry), rows)
    async with services.db.unit() as s:  # planner statistics, as autovacuum would gather them
        await s.execute(text("ANALYZE"))
    return time.perf_counter() - t0


async def fill_qas(services: Services, count: int, rng: random.Random) -> float:
    """``count`` answered Q&A entries in the bench room with stored vectors, for the semantic
    stage. The vectors are random unit vectors, not the model's: embedding tens of thousands
    of texts takes this machine an hour, and what a search pays (one query embedding, one
    matrix-vector product over every vector, one look-up of the nearest ids with the
    reader's filters) does not depend on their values."""
    import numpy as np

    from salon.search.semantic.encoder import DIMENSIONS, MODEL_NAME

    gen = np.random.default_rng(rng.randrange(2**32))
    start = datetime(2026, 6, 1, tzinfo=UTC)
    t0 = time.perf_counter()
    for first in range(0, count, 5_000):
        size = min(5_000, count - first)
        entries = []
        for i in range(first, first + size):
            title, body = sentence(rng) + "?", sentence(rng)
            entries.append(
                {
                    "kind": "question",
                    "ref": f"question:{i}",
                    "room_id": "benchroom",
                    "session_id": None,
                    "seq": i + 1,
                    "at": start + timedelta(seconds=i),
                    "title": title,
                    "body": body,
                    "title_terms": index_terms(title),
                    "terms": index_terms(body),
                    "tags": "||",
                    "people": "|host|",
                    "answered": True,
                    "author_id": "host",
                }
            )
        vectors = gen.standard_normal((size, DIMENSIONS)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        async with services.db.unit() as s:
            ids = (await s.scalars(insert(SearchEntry).returning(SearchEntry.id), entries)).all()
            await s.execute(
                insert(SearchVector),
                [
                    {"entry_id": id, "model": MODEL_NAME, "vector": v.tobytes()}
                    for id, v in zip(ids, vectors, strict=True)
                ],
            )
    async with services.db.unit() as s:
        await s.execute(text("ANALYZE"))
    return time.perf_counter() - t0


async def ingest(services: Services, seconds: float) -> float:
    room = await services.rooms.create(HOST, {"title": "Ingest"})
    sent, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        await services.chat.send(room.id, HOST, uuid.uuid4().hex, f"message {sent}")
        sent += 1
    return sent / (time.perf_counter() - t0)


async def search(
    services: Services,
    queries: int,
    rng: random.Random,
    common: bool = False,
    lexical: SearchService | None = None,
) -> list[float]:
    """Latencies of ``queries`` searches: words from the 5,000 most used (or the 20 most
    used with ``common``), half of the queries two words long. With ``lexical`` (a search
    service without the semantic stage on the same archive) each query is asked of it too,
    right before, and its latencies are returned after the node's: the two are compared
    under the same load."""
    pool = WORDS[:20] if common else WORDS[:5000]
    times, words_only = [], []
    for i in range(queries):
        q = rng.choice(pool) if i % 2 else f"{rng.choice(pool)} {rng.choice(pool)}"
        if lexical is not None:
            t0 = time.perf_counter()
            await lexical.search(HOST, SearchQuery(q=q, room="benchroom"))
            words_only.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        await services.search.search(HOST, SearchQuery(q=q, room="benchroom"))
        times.append((time.perf_counter() - t0) * 1000)
    return times + words_only


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return (
        f"p50 {statistics.median(ordered):6.1f} ms   p95 {p95:6.1f} ms   max {ordered[-1]:6.1f} ms"
    )


async def archived(services: Services, kind: str = "chat") -> int:
    async with services.db.read() as s:
        found = await s.scalar(
            select(func.count())
            .select_from(SearchEntry)
            .where(SearchEntry.room_id == "benchroom", SearchEntry.kind == kind)
        )
    return int(found or 0)


async def build(
    services: Services, args: argparse.Namespace, rng: random.Random, name: str
) -> None:
    if await archived(services):
        raise SystemExit(
            f"[{name}] the archive is not empty: --reuse it (same --messages) or remove it"
        )
    rate = await ingest(services, args.ingest_seconds)
    print(
        f"[{name}] chat ingest through ChatService.send: {rate:,.0f} messages/s "
        "(one durable commit each)"
    )
    took = await fill(services, args.messages, rng)
    print(
        f"[{name}] indexed {args.messages:,} chat messages in {took:.0f} s "
        f"({args.messages / took:,.0f}/s bulk)"
    )
    if args.semantic:
        took = await fill_qas(services, args.qas, random.Random(4))
        print(f"[{name}] indexed {args.qas:,} Q&As with vectors in {took:.0f} s")


@contextlib.asynccontextmanager
async def archive_node(url: str, semantic: bool = False) -> AsyncIterator[Services]:
    """An in-process node's services on the archive at ``url`` (migrated first), with the
    chat limits lifted for bulk work; the database, bus and role cache are started, and with
    ``semantic`` the semantic stage of search (which needs the semantic extra)."""
    await asyncio.to_thread(upgrade, url)
    settings = Settings(
        database_url=url,
        secret="s" * 40,
        data_dir=Path(tempfile.mkdtemp()),
        chat_rate=1e9,
        chat_burst=10**9,
        search_semantic="on" if semantic else "off",
    )
    services, _ = build_services(settings)
    await services.db.start()
    await services.bus.start()
    await services.rooms.start()
    stage = services.search.semantic
    if stage is not None:
        await stage.start()
    try:
        yield services
    finally:
        if stage is not None:
            await stage.stop()
        await services.bus.stop()
        await services.db.stop()


async def run(url: str, args: argparse.Namespace) -> None:
    async with archive_node(url, args.semantic) as services:
        name = url.split(":")[0] + (", semantic" if args.semantic else "")
        if args.reuse and await archived(services) == args.messages:
            print(f"[{name}] reusing the archive of {args.messages:,} chat messages")
            if args.semantic and not await archived(services, "question"):
                took = await fill_qas(services, args.qas, random.Random(4))
                print(f"[{name}] indexed {args.qas:,} Q&As with vectors in {took:.0f} s")
        else:
            await build(services, args, random.Random(3), name)
        if services.search.semantic is not None:
            await services.search.semantic.catch_up()  # loads the vectors into memory
            print(f"[{name}] semantic stage holds {services.search.semantic.size:,} vectors")
        # Its own generator: a reused archive is asked the same queries as a fresh one.
        rng = random.Random(5)
        lexical = None
        if services.search.semantic is not None:
            lexical = SearchService(services.db, services.settings.search_language)
        await search(services, 10, rng, lexical=lexical)  # warm caches
        for label, common in [
            ("1-2 words (top 5,000 words)", False),
            ("the 20 most used words", True),
        ]:
            times = await search(services, args.queries, rng, common, lexical)
            print(
                f"[{name}] search, {args.queries} queries of {label}: "
                f"{percentiles(times[: args.queries])}"
            )
            if lexical is not None:
                print(
                    f"[{name}]   the same queries by words only, interleaved: "
                    f"{percentiles(times[args.queries :])}"
                )
        print(f"load average now {os.getloadavg()[0]:.1f}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--ingest-seconds", type=float, default=5.0)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--sqlite-file", type=Path, help="build the SQLite archive here, keep it")
    parser.add_argument(
        "--pg-database", help="build the PostgreSQL archive in this database, keep it"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="search kept archives without rebuilding"
    )
    parser.add_argument(
        "--semantic",
        action="store_true",
        help="search with the semantic stage (salon[semantic]) over --qas Q&As with vectors",
    )
    parser.add_argument("--qas", type=int, default=20_000)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    if args.backend in ("sqlite", "both"):
        path = (
            args.sqlite_file or Path(tempfile.mkdtemp(prefix="salon-archive-bench-")) / "salon.db"
        )
        await run(f"sqlite+aiosqlite:///{path}", args)
    if args.backend in ("postgres", "both"):
        name = args.pg_database or f"salon_bench_{uuid.uuid4().hex[:8]}"
        if not (args.pg_database and await pg_database_exists(name)):
            _admin(f'CREATE DATABASE "{name}"')
        try:
            await run(f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}", args)
        finally:
            if not args.pg_database:
                _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def pg_database_exists(name: str) -> bool:
    import asyncpg

    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
    try:
        return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
