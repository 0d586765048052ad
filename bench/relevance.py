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
from bench.relevance_holdout import HOLDOUT
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


def queries(held_out: bool = False) -> list[list[tuple[str, str]]]:
    """(class, query) pairs per target, in TARGETS order: the fixed set, or the held-out one
    (bench/relevance_holdout.py), whose classes are prefixed ``held-out``."""
    if held_out:
        return [
            [("held-out reworded", h.reworded), ("held-out natural", h.natural)] for h in HOLDOUT
        ]
    return [[(klass, getattr(t, klass)) for klass in CLASSES] for t in TARGETS]


async def ask_all(services: Services, targets: list[int], held_out: bool = False) -> list[Outcome]:
    outcomes = []
    for asked, target in zip(queries(held_out), targets, strict=True):
        for klass, query in asked:
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


async def archive_outcomes(url: str, semantic: bool) -> tuple[list[Outcome], list[Outcome]]:
    """The fixed set's and the held-out set's outcomes on a fresh archive at ``url``."""
    async with archive_node(url, semantic) as services:
        targets = await build_archive(services)
        if services.search.semantic is not None:
            # The indexer embeds in the background; the benchmark measures the finished index.
            await services.search.semantic.catch_up()
        return await ask_all(services, targets), await ask_all(services, targets, True)


async def measure(url: str, name: str, show_misses: bool, semantic: bool) -> list[Outcome]:
    fixed, held = await archive_outcomes(url, semantic)
    mode = "semantic" if semantic else "lexical"
    report(f"{name}, {mode}", fixed, show_misses)
    report(f"{name}, {mode}, held-out set", held, show_misses)
    return fixed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument(
        "--semantic",
        choices=["off", "on", "both"],
        default="both",
        help="rank by words only, with the semantic stage (needs salon[semantic]), or both",
    )
    args = parser.parse_args()
    modes = {"off": [False], "on": [True], "both": [False, True]}[args.semantic]
    for semantic in modes:
        if args.backend in ("sqlite", "both"):
            path = Path(tempfile.mkdtemp()) / "relevance.db"
            await measure(f"sqlite+aiosqlite:///{path}", "sqlite", args.show_misses, semantic)
        if args.backend in ("postgres", "both"):
            if not reachable(*PORTS["postgres"]):
                print("\n[postgresql] not reachable: skipped")
                continue
            with postgres_database() as url:
                await measure(url, "postgresql", args.show_misses, semantic)


if __name__ == "__main__":
    asyncio.run(main())
