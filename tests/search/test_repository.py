"""The search repository on real SQLite and PostgreSQL, with a small window: counts stop at
the window, the newest window of matches is ranked and the older ones follow, filters and
room visibility apply before the window, and small match sets are ranked exactly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from salon.search import repository as repo
from salon.search.postgres import PostgresBackend
from salon.search.repository import Backend, Filters, Found
from salon.search.sqlite import SqliteBackend, bm25_scores, window_scores
from salon.search.text import index_terms, parse_query
from salon.store.db import Database
from salon.store.migrate import upgrade
from salon.store.models import Membership, Room, SearchEntry, User
from tests.support.services import postgres_database, require_service

WINDOW = 5
START = datetime(2026, 1, 1, tzinfo=UTC)
READER = Filters(user_id="reader")


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'salon.db'}"
        return
    require_service("postgres")
    with postgres_database() as pg_url:
        yield pg_url


@pytest.fixture
async def db(url: str) -> AsyncIterator[Database]:
    await asyncio.to_thread(upgrade, url)
    database = Database(url)
    await database.start()
    async with database.unit() as s:
        s.add_all([User(id="host", name="Host"), User(id="reader", name="Reader")])
        await s.flush()
        s.add_all(
            [
                Room(id="open", title="Open", created_by="host"),
                Room(id="closed", title="Closed", created_by="host", visibility="private"),
            ]
        )
        await s.flush()
        s.add(Membership(room_id="closed", user_id="host", role="host"))
    yield database
    await database.stop()


@asynccontextmanager
async def open_room_archive(url: str) -> AsyncIterator[Database]:
    """A migrated archive with one public room, "open", for tests that index their own."""
    await asyncio.to_thread(upgrade, url)
    database = Database(url)
    await database.start()
    try:
        async with database.unit() as s:
            s.add(User(id="host", name="Host"))
            await s.flush()
            s.add(Room(id="open", title="Open", created_by="host"))
        yield database
    finally:
        await database.stop()


def backend_of(db: Database) -> Backend:
    return SqliteBackend() if db.is_sqlite else PostgresBackend()


async def index(db: Database, *entries: tuple[str, str, str, str]) -> None:
    """(room, kind, title, body) in this order: the later, the newer."""
    async with db.unit() as s:
        for i, (room, kind, title, body) in enumerate(entries):
            await repo.put(
                s,
                kind,
                f"{kind}-{room}-{i}",
                room_id=room,
                at=START + timedelta(minutes=i),
                title=title,
                body=body,
                title_terms=index_terms(title),
                terms=index_terms(body),
            )


async def search(db: Database, f: Filters, q: str, offset: int = 0, limit: int = 50) -> Found:
    async with db.read() as s:
        return await repo.run(s, backend_of(db), f, parse_query(q), offset, limit, window=WINDOW)


def refs(found: Found) -> list[str]:
    return [e.ref for e, _ in found.rows]


async def test_few_matches_are_counted_and_ranked_exactly(db: Database) -> None:
    await index(
        db,
        ("open", "chat", "", "rotate the certs"),
        ("open", "question", "rotate certs how", "rotate"),
        ("open", "chat", "", "nothing here"),
        ("open", "chat", "", "rotate rotate rotate the staging certs"),
    )
    found = await search(db, READER, "rotate")
    assert (found.total, found.exact) == (3, True)
    assert refs(found)[0] == "question-open-1"  # title words weigh more
    scores = [score for _, score in found.rows]
    assert scores == sorted(scores, reverse=True)
    assert (await search(db, READER, "absent")).rows == []


async def test_many_matches_rank_the_newest_window_then_list_the_older(db: Database) -> None:
    # The oldest entry is the best match by far, but lies outside the window.
    await index(
        db,
        ("open", "question", "vault vault", "vault"),
        *[("open", "chat", "", f"vault number {i}") for i in range(11)],
        ("open", "chat", "", "vault vault vault"),
    )
    found = await search(db, READER, "vault")
    assert (found.total, found.exact) == (WINDOW, False)
    everything = refs(found)
    assert len(everything) == 13 and len(set(everything)) == 13
    assert everything[0] == "chat-open-12"  # the best of the newest five
    assert set(everything[:WINDOW]) == {f"chat-open-{i}" for i in range(8, 13)}
    assert everything[WINDOW:] == [f"chat-open-{i}" for i in range(7, 0, -1)] + ["question-open-0"]
    # Paging gives the same order, across the window's edge too.
    pages = [refs(await search(db, READER, "vault", offset, 3)) for offset in range(0, 15, 3)]
    assert [ref for page in pages for ref in page] == everything


async def test_filters_and_visibility_apply_before_the_window(db: Database) -> None:
    await index(
        db,
        *[("open", "chat", "", f"ingress {i}") for i in range(3)],
        ("open", "question", "ingress rules", ""),
        # Newer than all of the above: they must not take the reader's window.
        *[("closed", "chat", "", f"ingress {i}") for i in range(8)],
    )
    found = await search(db, READER, "ingress")
    assert (found.total, found.exact) == (4, True)
    assert all(e.room_id == "open" for e, _ in found.rows)

    host = Filters(user_id="host")
    assert (await search(db, host, "ingress")).exact is False
    only_questions = await search(db, replace(host, kinds=("question",)), "ingress")
    assert (refs(only_questions), only_questions.exact) == (["question-open-3"], True)
    in_closed = await search(db, replace(host, room="closed"), "ingress")
    assert (in_closed.total, in_closed.exact) == (WINDOW, False)
    assert {e.room_id for e, _ in in_closed.rows} == {"closed"}
    early = replace(host, until=START + timedelta(minutes=2))
    assert refs(await search(db, early, "ingress")) == [
        "chat-open-2",
        "chat-open-1",
        "chat-open-0",
    ]


async def test_window_scores_order_single_words_as_fts5_bm25_does(tmp_path: Path) -> None:
    """With one word, rarity is a constant factor: over the same entries, the window's scores
    must put them in bm25's order."""
    async with open_room_archive(f"sqlite+aiosqlite:///{tmp_path / 'salon.db'}") as db:
        bodies = ["cert", "cert cert rotate", "rotate the cert now please", "cert " * 5, "x " * 30]
        await index(
            db,
            *[("open", "chat", "", b + " cert") for b in bodies],
            ("open", "question", "cert", "why"),
        )
        query = parse_query("cert")
        async with db.read() as s:
            rows = (
                await s.execute(select(SearchEntry.id, SearchEntry.title_terms, SearchEntry.terms))
            ).all()
            bm25 = await bm25_scores(
                s, text("search_fts MATCH :match").bindparams(match=query.match_text()), 0, 10**9
            )
        ours = dict(
            zip(
                [r.id for r in rows],
                window_scores(query, [(r.title_terms, r.terms) for r in rows]),
                strict=True,
            )
        )
        assert sorted(ours, key=lambda i: -ours[i]) == sorted(bm25, key=lambda i: -bm25[i])


async def test_postgres_chooses_the_plan_from_word_statistics_and_both_find_the_same(
    tmp_path: Path,
) -> None:
    require_service("postgres")
    with postgres_database() as url:
        async with open_room_archive(url) as database:
            # "common" in every entry, "pair" and "rare" together in few.
            bodies = ["common filler"] * 300 + ["common pair rare"] * 12
            await index(database, *[("open", "chat", "", body) for body in bodies])
            async with database.unit() as s:
                await s.execute(text("ANALYZE search_entries"))
            backend = PostgresBackend()
            async with database.read() as s:
                assert not await backend.gin_first(s, parse_query("common"), 6)
                assert await backend.gin_first(s, parse_query("pair rare"), 6)
            for q in ("common", "pair rare", "common rare"):
                async with database.read() as s:
                    chosen = await repo.run(s, backend, READER, parse_query(q), 0, 50, WINDOW)
                async with database.read() as s:  # the planner's own choice, for comparison
                    await s.execute(text("SET LOCAL enable_bitmapscan = off"))
                    walked = await repo.run(s, SqlOnly(), READER, parse_query(q), 0, 50, WINDOW)
                assert refs(chosen) == refs(walked) and chosen.total == walked.total


class SqlOnly(PostgresBackend):
    """The PostgreSQL backend without Salon's plan choice."""

    async def gin_first(self, *args: object) -> bool:
        return False
