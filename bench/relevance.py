"""Learner-query relevance benchmark (issue 20): recall@3 and zero-hit share per query class,
on SQLite and on PostgreSQL, over the fixed archive of bench/relevance_data.py.

    python -m bench.relevance [--backend sqlite|postgres|both] [--show-misses]

The archive is built through the real services, as the API drives them: rooms, sessions
scheduled and started by a host with an expert, questions asked by participants, answered
and accepted by the expert, upvoted, chat sent, sessions ended; every search entry is
written by the services' own indexing. Each query is then asked as a reader who is in none
of the rooms (all public), through SearchService.search, first page of 20. A query counts as
recalled when its target question is among the first three hits; a zero hit is a query with
no hit at all. A few seconds per backend.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from bench.archive import archive_node
from bench.relevance_data import (
    CHAT,
    CHAT_PER_SESSION,
    OTHER_QUESTIONS,
    OTHER_SESSIONS,
    TARGETS,
)
from salon.core.auth import Identity
from salon.search.service import SearchQuery
from salon.services import Services
from salon.sessions.service import SessionCreate
from tests.support.services import PORTS, postgres_database, reachable

HOST = Identity("host", "Host")
EXPERT = Identity("expert", "Expert")
ASKERS = [Identity(f"learner{i}", f"Learner {i}") for i in range(4)]
READER = Identity("reader", "Reader")
CLASSES = ("exact", "reworded", "natural")


@dataclass(frozen=True)
class Outcome:
    klass: str
    query: str
    rank: int | None  # 1-based place of the target among the hits, None if absent
    hits: int
    ms: float


async def session_with(
    services: Services, title: str, word: str, qas: list[tuple[str, str]], n: int
) -> list[int]:
    """One archived session: its Q&As answered (every other one accepted), voted, chatted."""
    room = await services.rooms.create(HOST, {"title": title})
    for who in [EXPERT, *ASKERS]:
        await services.rooms.enter(room.id, who)
    created = await services.sessions.schedule(
        HOST, SessionCreate(room_id=room.id, title=title, experts=[EXPERT.user_id])
    )
    await services.sessions.start(HOST, created["id"])
    ids = []
    for i, (question, answer) in enumerate(qas):
        asked = await services.qa.ask(ASKERS[i % len(ASKERS)], room.id, question, False)
        ids.append(asked["id"])
        reply = await services.qa.answer(EXPERT, asked["id"], answer)
        if (i + n) % 2 == 0:
            await services.qa.accept(HOST, asked["id"], reply["answers"][-1]["id"])
        else:
            await services.qa.mark_answered(EXPERT, asked["id"], True)
        for voter in ASKERS[: (i + n) % 4]:
            await services.qa.vote(voter, asked["id"], True)
    for i in range(CHAT_PER_SESSION):
        line = CHAT[(i + n) % len(CHAT)].format(x=word)
        await services.chat.send(room.id, ASKERS[i % len(ASKERS)], f"{n}-{i}", line)
    await services.sessions.end(HOST, created["id"])
    return ids


async def build_archive(services: Services) -> list[int]:
    """The 40 sessions; returns the target question ids, in TARGETS order."""
    for who in [HOST, EXPERT, *ASKERS, READER]:
        await services.rooms.ensure_user(who)
    targets = []
    for n, t in enumerate(TARGETS):
        word = t.exact.split()[0]
        others = [(q.format(x=word), a) for q, a in OTHER_QUESTIONS[:3]]
        ids = await session_with(services, t.session, word, [(t.question, t.answer), *others], n)
        targets.append(ids[0])
    for n, (title, word) in enumerate(OTHER_SESSIONS, start=len(TARGETS)):
        qas = [(q.format(x=word), a) for q, a in OTHER_QUESTIONS]
        await session_with(services, title, word, qas, n)
    return targets


async def ask_all(services: Services, targets: list[int]) -> list[Outcome]:
    outcomes = []
    for t, target in zip(TARGETS, targets, strict=True):
        for klass in CLASSES:
            query = getattr(t, klass)
            t0 = time.perf_counter()
            found = await services.search.search(READER, SearchQuery(q=query))
            ms = (time.perf_counter() - t0) * 1000
            ids = [h["id"] for h in found["hits"] if h["kind"] == "question"]
            places = [i for i, h in enumerate(found["hits"]) if h["kind"] == "question"]
            rank = places[ids.index(str(target))] + 1 if str(target) in ids else None
            outcomes.append(Outcome(klass, query, rank, len(found["hits"]), ms))
    return outcomes


def report(name: str, outcomes: list[Outcome], show_misses: bool) -> None:
    by_class: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_class[o.klass].append(o)
    print(f"\n[{name}] {len(outcomes)} queries over 40 sessions")
    print("| queries | recall@3 | zero hits | p95 ms |")
    print("|---|---|---|---|")
    for klass, group in [*by_class.items(), ("overall", outcomes)]:
        recall = sum(1 for o in group if o.rank is not None and o.rank <= 3) / len(group)
        zero = sum(1 for o in group if o.hits == 0) / len(group)
        times = sorted(o.ms for o in group)
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        print(f"| {klass} | {recall:.2f} | {zero:.0%} | {p95:.1f} |")
    if show_misses:
        for o in outcomes:
            if o.rank is None or o.rank > 3:
                print(f"  miss ({o.klass}): {o.query!r} -> rank {o.rank}, {o.hits} hits")


async def measure(url: str, name: str, show_misses: bool) -> list[Outcome]:
    async with archive_node(url) as services:
        targets = await build_archive(services)
        outcomes = await ask_all(services, targets)
    report(name, outcomes, show_misses)
    return outcomes


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    if args.backend in ("sqlite", "both"):
        path = Path(tempfile.mkdtemp()) / "relevance.db"
        await measure(f"sqlite+aiosqlite:///{path}", "sqlite", args.show_misses)
    if args.backend in ("postgres", "both"):
        if not reachable(*PORTS["postgres"]):
            print("\n[postgresql] not reachable: skipped")
            return
        with postgres_database() as url:
            await measure(url, "postgresql", args.show_misses)


if __name__ == "__main__":
    asyncio.run(main())
