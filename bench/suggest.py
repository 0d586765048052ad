""" "Already answered?" benchmark (issue 16): latency of the suggestions shown while someone
types a question, over an archive of answered questions, on SQLite and on PostgreSQL.

    python -m bench.suggest [--questions 100000] [--queries 300] [--backend sqlite|postgres|both]
    python -m bench.suggest --sqlite-file /tmp/sg.db --pg-database salon_suggest --reuse

The archive is filled directly (bulk insert, minutes at 100,000): questions with their
answers (60 % accepted) and search entries carrying the same stemmed index terms, votes and
accepted flags the server writes, spread over 100 archived sessions; one room in ten is
invite-only and the reader is not in it. Question text is drawn from a 20,000-word
pseudo-vocabulary with a Zipf law around a few question templates, so some words are common
and most are rare, like real questions. Each query is what a person has typed so far: the
first 3 to 8 words of a new question drawn the same way. It is answered through
SuggestService.suggest (the socket event ``qa:suggest`` minus the transport): the archive
search with its visibility filter, then the settling answer, its snippet and helped count.
A named archive (``--sqlite-file``, ``--pg-database``) is kept; ``--reuse`` asks it again
without filling it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

from bench.archive import CUM_WEIGHTS, WORDS, archive_node, pg_database_exists
from salon.core.auth import Identity
from salon.qa.suggest import Suggest
from salon.search.repository import bar_list
from salon.search.text import index_terms
from salon.services import Services
from salon.store.models import (
    Answer,
    Membership,
    Question,
    Room,
    SearchEntry,
    SessionRecord,
    User,
)
from tests.support.services import PG_HOST, PG_PORT, PG_USER, _admin

READER = Identity("reader", "Reader")
ROOMS = 10
SESSIONS = 100
TEMPLATES = [
    "How do I {} the {} {}?",
    "Why does {} {} fail on {}?",
    "What is the {} for {} {}?",
    "Where do we keep the {} {} {}?",
    "Can we {} {} without {}?",
    "Who owns {} {} and {}?",
]
START = datetime(2026, 1, 1, tzinfo=UTC)


def words(rng: random.Random, k: int) -> list[str]:
    return rng.choices(WORDS, cum_weights=CUM_WEIGHTS, k=k)


def question_text(rng: random.Random) -> str:
    head = rng.choice(TEMPLATES).format(*words(rng, 3))
    return f"{head} {' '.join(words(rng, rng.randint(2, 6)))}"


def answer_text(rng: random.Random) -> str:
    return " ".join(words(rng, rng.randint(10, 30))) + "."


def typed(rng: random.Random) -> str:
    """What someone has typed of a new question so far: its first 3 to 8 words."""
    return " ".join(question_text(rng).split()[: rng.randint(3, 8)])


def room_of(i: int) -> str:
    return f"sugroom{i % ROOMS}"


async def setup(services: Services) -> None:
    async with services.db.unit() as s:
        for uid in ("host", "expert", "reader"):
            s.add(User(id=uid, name=uid.title()))
        await s.flush()
        for r in range(ROOMS):
            visibility = "invite-only" if r == ROOMS - 1 else "public"
            s.add(
                Room(id=f"sugroom{r}", title=f"Room {r}", created_by="host", visibility=visibility)
            )
        await s.flush()
        for r in range(ROOMS):
            s.add(Membership(room_id=f"sugroom{r}", user_id="host", role="host"))
        for n in range(SESSIONS):
            s.add(
                SessionRecord(
                    id=f"sugsession{n}",
                    room_id=room_of(n),
                    title=f"Office hours {n}",
                    status="ended",
                    created_by="host",
                    started_at=START + timedelta(days=n),
                    ended_at=START + timedelta(days=n, hours=1),
                )
            )


async def fill(services: Services, count: int, rng: random.Random) -> float:
    await setup(services)
    t0 = time.perf_counter()
    for first in range(1, count + 1, 5_000):
        questions, answers, entries = [], [], []
        for i in range(first, min(first + 5_000, count + 1)):
            n = i % SESSIONS
            body, reply = question_text(rng), answer_text(rng)
            at = START + timedelta(days=n, seconds=i % 3600)
            accepted = rng.random() < 0.6
            votes = int(rng.paretovariate(1.5)) - 1
            questions.append(
                {
                    "id": i,
                    "session_id": f"sugsession{n}",
                    "room_id": room_of(n),
                    "asker_id": "host",
                    "anonymous": False,
                    "body": body,
                    "status": "answered",
                    "pinned": False,
                    "accepted_answer_id": i if accepted else None,
                    "created_at": at,
                    "answered_at": at,
                    "asked_seq": i,
                    "answered_seq": i + 1,
                    "last_seq": i + 1,
                }
            )
            answers.append(
                {
                    "id": i,
                    "question_id": i,
                    "author_id": "expert",
                    "body": reply,
                    "created_at": at,
                    "seq": i + 1,
                }
            )
            entries.append(
                {
                    "kind": "question",
                    "ref": str(i),
                    "room_id": room_of(n),
                    "session_id": f"sugsession{n}",
                    "seq": i + 1,
                    "at": at,
                    "title": body,
                    "body": reply,
                    "title_terms": index_terms(body),
                    "terms": index_terms(reply),
                    "tags": "||",
                    "people": bar_list(["host", "expert"]),
                    "answered": True,
                    "accepted": accepted,
                    "votes": votes,
                    "author_id": "host",
                }
            )
        async with services.db.unit() as s:
            await s.execute(insert(Question), questions)
            await s.execute(insert(Answer), answers)
            await s.execute(insert(SearchEntry), entries)
    async with services.db.unit() as s:  # planner statistics, as autovacuum would gather them
        await s.execute(text("ANALYZE"))
    return time.perf_counter() - t0


async def suggest(services: Services, queries: int, rng: random.Random) -> tuple[list[float], int]:
    """Latencies of ``queries`` suggestion calls, and how many returned at least one."""
    times, answered = [], 0
    for _ in range(queries):
        p = Suggest(text=typed(rng))
        t0 = time.perf_counter()
        found = await services.suggest.suggest(READER, p)
        times.append((time.perf_counter() - t0) * 1000)
        answered += bool(found)
        assert all(s["room_id"] != room_of(ROOMS - 1) for s in found), "a private room leaked"
    return times, answered


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


async def run(url: str, args: argparse.Namespace) -> tuple[float, float]:
    name = url.split(":")[0]
    async with archive_node(url) as services:
        async with services.db.read() as s:
            held = int(await s.scalar(select(func.count()).select_from(Question)) or 0)
        if getattr(args, "reuse", False) and held == args.questions:
            print(f"[{name}] reusing the archive of {held:,} answered questions")
        elif held:
            raise SystemExit(f"[{name}] the archive is not empty: --reuse it (same --questions)")
        else:
            took = await fill(services, args.questions, random.Random(7))
            print(f"[{name}] filled {args.questions:,} answered questions in {took:.0f} s")
        rng = random.Random(9)
        await suggest(services, 20, rng)  # warm caches
        times, hits = await suggest(services, args.queries, rng)
    p50, p95 = percentiles(times)
    print(
        f"[{name}] suggestions, {args.queries} typed prefixes of 3-8 words: p50 {p50:.1f} ms   "
        f"p95 {p95:.1f} ms   max {max(times):.1f} ms   ({hits} with suggestions)"
    )
    return p50, p95


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--sqlite-file", type=Path, help="build the SQLite archive here, keep it")
    parser.add_argument("--pg-database", help="build the PostgreSQL archive here, keep it")
    parser.add_argument("--reuse", action="store_true", help="ask kept archives again")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    if args.backend in ("sqlite", "both"):
        path = args.sqlite_file or Path(tempfile.mkdtemp(prefix="salon-suggest-bench-")) / "s.db"
        await run(f"sqlite+aiosqlite:///{path}", args)
    if args.backend in ("postgres", "both"):
        name = args.pg_database or f"salon_suggest_{uuid.uuid4().hex[:8]}"
        if not (args.pg_database and await pg_database_exists(name)):
            _admin(f'CREATE DATABASE "{name}"')
        try:
            await run(f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}", args)
        finally:
            if not args.pg_database:
                _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
