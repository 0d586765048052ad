"""Feed benchmark: one page of the "For you" feed for a reader who follows 200 tags and 200
people, over an archive of 100,000 answers, on SQLite and on PostgreSQL.

    python -m bench.feed [--answers 100000] [--reads 200] [--backend sqlite|postgres|both]

The archive is filled directly (bulk inserts of the rows the services write: rooms, sessions,
questions, answers, feed items and their match keys), then FeedService.page is timed as the
server runs it: one statement per page on PostgreSQL (the reader's follows, a LATERAL walk of
each followed key's index filtered by the reader's rights at read time, and the rendering
joins), id windows on SQLite. ANALYZE runs after the fill on both backends. Half the reads
are the first page, half page on from a random cursor. 10 % of the rooms are invite-only,
the reader a member of a third of those; a few public rooms removed the reader.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text

from bench.archive import archive_node, percentiles
from salon.core.auth import Identity
from salon.network.follows import normal_tag
from salon.services import Services
from salon.store.models import (
    ANSWERED,
    ENDED,
    Answer,
    FeedItem,
    FeedKey,
    Follow,
    Membership,
    Question,
    Room,
    SessionExpert,
    SessionRecord,
    User,
)
from tests.support.services import PG_HOST, PG_PORT, PG_USER, _admin

READER = "reader"
CHUNK = 5000


@dataclass
class Shape:
    answers: int = 100_000
    per_session: int = 50
    rooms: int = 400
    tags: int = 2000
    people: int = 5000
    follow_tags: int = 200
    follow_people: int = 200


async def _bulk(services: Services, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        async with services.db.unit() as s:
            await s.execute(insert(model), rows[start : start + CHUNK])


async def build(services: Services, shape: Shape, rng: random.Random) -> float:
    began = time.perf_counter()
    now = datetime.now(UTC)
    people = [f"p{i}" for i in range(shape.people)]
    tags = [f"topic-{i}" for i in range(shape.tags)]
    users = [{"id": u, "name": u.upper()} for u in [READER, *people]]
    await _bulk(services, User, users)
    rooms, members = [], []
    for i in range(shape.rooms):
        private = i % 10 == 0
        rooms.append(
            {
                "id": f"r{i}",
                "title": f"Room {i}",
                "tags": rng.sample(tags, 2),
                "visibility": "invite-only" if private else "public",
                "created_by": people[0],
            }
        )
        if private and i % 30 == 0:
            members.append({"room_id": f"r{i}", "user_id": READER, "role": "participant"})
        elif not private and i % 37 == 1:  # removed from a few public rooms
            members.append(
                {"room_id": f"r{i}", "user_id": READER, "role": "participant", "removed_at": now}
            )
    await _bulk(services, Room, rooms)
    await _bulk(services, Membership, members)
    sessions, experts, questions, answers, items, keys = [], [], [], [], [], []
    item_id = 0

    def item(
        kind: str, room: dict[str, Any], sid: str, at: datetime, extra: set[str], **ids: Any
    ) -> None:
        nonlocal item_id
        item_id += 1
        items.append(
            {
                "id": item_id,
                "kind": kind,
                "room_id": room["id"],
                "session_id": sid,
                "at": at,
                "data": {},
                **ids,
            }
        )
        for key in extra:
            keys.append({"key": key, "item_id": item_id, "room_id": room["id"]})

    n_sessions = shape.answers // shape.per_session
    for i in range(n_sessions):
        room = rooms[rng.randrange(shape.rooms)]
        sid = f"s{i}"
        at = now - timedelta(minutes=(n_sessions - i) * 30)
        who = rng.sample(people, 2)
        stags = rng.sample(tags, 2)
        sessions.append(
            {
                "id": sid,
                "room_id": room["id"],
                "title": f"Session {i}",
                "tags": stags,
                "status": ENDED,
                "created_by": people[0],
                "created_at": at,
                "started_at": at,
                "ended_at": at + timedelta(minutes=25),
            }
        )
        experts.extend({"session_id": sid, "user_id": u} for u in who)
        base = (
            {f"room:{room['id']}", f"session:{sid}"}
            | {f"tag:{normal_tag(t)}" for t in stags + room["tags"]}
            | {f"user:{u}" for u in who}
        )
        for j in range(shape.per_session):
            qid = i * shape.per_session + j + 1
            author = who[j % 2] if j % 3 else rng.choice(people)
            accepted = j % 3 == 0
            questions.append(
                {
                    "id": qid,
                    "session_id": sid,
                    "room_id": room["id"],
                    "asker_id": rng.choice(people),
                    "body": f"Question {qid}?",
                    "status": ANSWERED,
                    "accepted_answer_id": qid if accepted else None,
                    "answered_seq": j + 1,
                    "created_at": at,
                }
            )
            answers.append(
                {
                    "id": qid,
                    "question_id": qid,
                    "author_id": author,
                    "body": f"Answer {qid}",
                    "seq": j + 1,
                    "created_at": at,
                }
            )
            moment = at + timedelta(seconds=j * 20)
            item(
                "question.answered",
                room,
                sid,
                moment,
                base | {f"user:{author}"},
                question_id=qid,
                answer_id=qid,
            )
            if accepted:
                item(
                    "answer.accepted",
                    room,
                    sid,
                    moment,
                    base | {f"user:{author}"},
                    question_id=qid,
                    answer_id=qid,
                )
        item("session.archived", room, sid, at + timedelta(minutes=25), base)
    for model, rows in (
        (SessionRecord, sessions),
        (SessionExpert, experts),
        (Question, questions),
        (Answer, answers),
        (FeedItem, items),
        (FeedKey, keys),
    ):
        await _bulk(services, model, rows)
    follows = [
        {"user_id": READER, "target_kind": "tag", "target_id": t}
        for t in rng.sample(tags, shape.follow_tags)
    ]
    follows += [
        {"user_id": READER, "target_kind": "user", "target_id": p}
        for p in rng.sample(people, shape.follow_people)
    ]
    await _bulk(services, Follow, follows)
    print(f"  built {len(answers):,} answers, {len(items):,} feed items, {len(keys):,} keys")
    return time.perf_counter() - began


async def analyze(services: Services) -> None:
    """Planner statistics, as a live archive has them (autovacuum on PostgreSQL, the
    optimize pragma on SQLite): a bulk load leaves none, and without them PostgreSQL walks
    the follows and the hidden rooms the slow way."""
    async with services.db.unit() as s:
        await s.execute(text("ANALYZE"))


async def read(services: Services, reads: int, rng: random.Random) -> tuple[list[float], int]:
    who = Identity(READER, "Reader")
    first = await services.feed.page(who, None, 20)
    newest = first["items"][0]["id"] if first["items"] else 1
    samples, shown = [], 0
    for i in range(reads):
        before = None if i % 2 == 0 else rng.randrange(2, newest + 1)
        began = time.perf_counter()
        page = await services.feed.page(who, before, 20)
        samples.append((time.perf_counter() - began) * 1000)
        shown += len(page["items"])
    return samples, shown


async def run(url: str, shape: Shape, reads: int) -> list[float]:
    name = url.split(":")[0]
    async with archive_node(url) as services:
        print(f"[{name}] filling the archive ({shape.answers:,} answers) ...")
        seconds = await build(services, shape, random.Random(7))
        print(f"[{name}] filled in {seconds:.0f} s")
        await analyze(services)
        await read(services, 10, random.Random(1))  # warm caches
        samples, shown = await read(services, reads, random.Random(11))
        print(
            f"[{name}] feed page of 20, reader following {shape.follow_tags} tags + "
            f"{shape.follow_people} people, {reads} reads: {percentiles(samples)} "
            f"({shown / reads:.1f} items a page)"
        )
        return samples


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=100_000)
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    shape = Shape(answers=args.answers)
    if args.backend in ("sqlite", "both"):
        path = os.path.join(tempfile.mkdtemp(prefix="salon-feed-bench-"), "salon.db")
        await run(f"sqlite+aiosqlite:///{path}", shape, args.reads)
    if args.backend in ("postgres", "both"):
        name = f"salon_bench_{uuid.uuid4().hex[:8]}"
        _admin(f'CREATE DATABASE "{name}"')
        try:
            await run(
                f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}", shape, args.reads
            )
        finally:
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
