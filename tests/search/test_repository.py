"""The search on real SQLite and PostgreSQL, through SearchService over index entries written
with the repository: stemming, stop words, any-word ranking, one hit per Q&A, phrases, chat
and session titles below answers, room visibility, the bounded candidate set, the spelling
rescue and similar questions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from salon.core.auth import Identity
from salon.search import repository as repo
from salon.search.postgres import PostgresBackend
from salon.search.repository import Filters, Match
from salon.search.service import SearchQuery, SearchService
from salon.search.sqlite import SqliteBackend
from salon.search.text import PART_BREAK, index_terms
from salon.store.db import Database
from salon.store.migrate import upgrade
from salon.store.models import Membership, Room, User
from tests.support.services import postgres_database, require_service

START = datetime(2026, 1, 1, tzinfo=UTC)
READER = Identity("reader", "Reader")
HOST = Identity("host", "Host")


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


async def put(db: Database, kind: str, ref: str, title: str, body: str, **extra: Any) -> None:
    """One entry; later calls are newer."""
    async with db.unit() as s:
        await repo.put(
            s,
            kind,
            ref,
            room_id=extra.pop("room", "open"),
            at=extra.pop("at", START),
            title=title,
            body=body,
            title_terms=index_terms(title),
            terms=index_terms(body.replace(PART_BREAK, " ")),
            **extra,
        )


async def qa(db: Database, ref: str, question: str, answer: str, **extra: Any) -> None:
    """A Q&A as the services index it: the question with its answers, and the answer."""
    await put(db, "question", ref, question, answer, answered=True, **extra)
    await put(db, "answer", f"a{ref}", question, answer, answered=True, parent=ref, **extra)


async def search(db: Database, q: str, who: Identity = READER, **params: Any) -> dict[str, Any]:
    return await SearchService(db).search(who, SearchQuery(q=q, **params))


def ids(found: dict[str, Any]) -> list[str]:
    return [f"{h['kind']}:{h['id']}" for h in found["hits"]]


async def test_word_forms_and_stop_words_find_the_answer(db: Database) -> None:
    await qa(db, "1", "What is the procedure for certificate rotation?", "Run certctl rotate.")
    await qa(db, "2", "Who orders lunch?", "The office team.")
    assert ids(await search(db, "rotating certificates")) == ["question:1"]
    assert ids(await search(db, "how do I rotate the certificate for staging?")) == ["question:1"]
    assert ids(await search(db, "procedures")) == ["question:1"]


async def test_entries_holding_more_and_rarer_words_rank_first(db: Database) -> None:
    for i in range(6):
        await put(db, "document", f"common{i}", "notes", f"the staging cluster, part {i}")
    await put(db, "document", "one-rare", "notes", "the bastion host")
    await put(db, "document", "both", "notes", "staging bastion host")
    found = ids(await search(db, "staging bastion"))
    assert found[:2] == ["document:both", "document:one-rare"]
    assert len(found) == 8  # any word finds an entry


async def test_each_qa_is_one_hit_with_its_best_part_as_snippet(db: Database) -> None:
    answers = PART_BREAK.join(["Use certctl rotate on staging.", "Or ask the platform team."])
    await put(db, "question", "7", "How do we renew the certs?", answers, answered=True)
    for n, body in enumerate(answers.split(PART_BREAK)):
        await put(
            db, "answer", f"a{n}", "How do we renew the certs?", body, answered=True, parent="7"
        )
    found = await search(db, "certctl rotate")
    assert ids(found) == ["question:7"]
    assert found["hits"][0]["snippet"] == "Use certctl rotate on staging."
    only_answers = await search(db, "certctl rotate", kind="answer")
    assert ids(only_answers) == ["answer:a0"]


async def test_answers_outrank_chat_and_session_titles(db: Database) -> None:
    await put(db, "session", "s1", "Staging certificates", "office hours")
    await put(db, "chat", "c1", "", "staging certificates are annoying, staging again")
    await qa(db, "3", "How do we rotate staging certificates?", "certctl rotate --env staging")
    found = ids(await search(db, "staging certificates"))
    assert found[0] == "question:3"
    assert set(found) == {"question:3", "session:s1", "chat:c1"}


async def test_accepted_and_voted_answers_come_first_among_equals(db: Database) -> None:
    await qa(db, "10", "How to rotate keys?", "With the key tool.")
    await qa(db, "11", "How to rotate keys?", "With the key tool.", accepted=True, votes=5)
    await qa(db, "12", "How to rotate keys?", "With the key tool.")
    assert ids(await search(db, "rotate keys"))[0] == "question:11"


async def test_quoted_phrases_must_match_in_order(db: Database) -> None:
    await put(db, "chat", "bg", "", "the blue green deploy flow")
    await put(db, "chat", "gb", "", "green then blue")
    assert ids(await search(db, '"blue green"')) == ["chat:bg"]
    assert ids(await search(db, '"green blue"')) == []
    assert ids(await search(db, '"blue green" flow')) == ["chat:bg"]
    assert ids(await search(db, '"how do i"')) == []  # stop words kept inside phrases


async def test_nothing_comes_from_rooms_the_reader_cannot_see(db: Database) -> None:
    await qa(db, "20", "Vault policies?", "Ask the platform team.", room="closed")
    await put(db, "chat", "c20", "", "vault is sealed", room="closed")
    assert ids(await search(db, "vault policy")) == []
    assert await SearchService(db).similar_questions(READER, "vault policies") == []
    assert ids(await search(db, "vault policy", who=HOST))[0] == "question:20"
    async with db.unit() as s:  # an entry the services drop (a deleted message) is gone
        await repo.drop(s, "chat", "c20")
    assert ids(await search(db, "sealed", who=HOST)) == []


async def test_a_weak_match_says_so_and_offers_close_answered_questions(db: Database) -> None:
    await qa(db, "30", "How do we rotate certificates?", "certctl rotate")
    await put(db, "question", "31", "Open question about certificates", "", answered=False)
    found = await search(db, "certifcate rotashun")
    assert found["hits"] == [] and found["good_match"] is False
    assert [h["id"] for h in found["suggestions"]] == ["30"]  # answered ones only
    good = await search(db, "rotate certificates")
    assert good["good_match"] is True and good["suggestions"] == []


async def test_similar_questions_rank_answered_questions_like_the_search(db: Database) -> None:
    await qa(db, "40", "How do we rotate certificates on staging?", "certctl rotate")
    await qa(db, "41", "Where is the lunch menu?", "On the wiki.")
    await put(db, "chat", "c40", "", "rotating certificates on staging is a pain")
    similar = await SearchService(db).similar_questions(READER, "rotating staging certs?")
    assert [h["id"] for h in similar] == ["40"]
    assert await SearchService(db).similar_questions(READER, "?!") == []


async def test_candidates_stay_bounded_when_a_word_is_everywhere(db: Database) -> None:
    backend = SqliteBackend() if db.is_sqlite else PostgresBackend()
    for i in range(12):
        await put(db, "chat", f"c{i}", "", f"common words number {i}")
    await put(db, "chat", "rare", "", "common and rare")
    where = repo.conditions(Filters(user_id="reader"))
    async with db.read() as s:
        found = await repo.gather(s, backend, where, Match((("common",), ("rare",))), 5, 5)
    assert found.exact is False and len(found.ids) == 5  # the newest window holds "rare"
    assert found.counts[("common",)] == 5  # counted up to the cap only
    async with db.read() as s:
        few = await repo.gather(s, backend, where, Match((("rare",),)), 5, 5)
    assert few.exact is True and len(few.ids) == 1


async def test_postgres_chooses_the_plan_from_word_statistics(tmp_path: Path) -> None:
    require_service("postgres")
    with postgres_database() as url:
        await asyncio.to_thread(upgrade, url)
        database = Database(url)
        await database.start()
        try:
            async with database.unit() as s:
                s.add(User(id="host", name="Host"))
                await s.flush()
                s.add(Room(id="open", title="Open", created_by="host"))
            for i in range(300):
                await put(database, "chat", f"f{i}", "", "common filler")
            for i in range(12):
                await put(database, "chat", f"p{i}", "", "common pair rare")
            async with database.unit() as s:
                await s.execute(text("ANALYZE search_entries"))
            backend = PostgresBackend()
            async with database.read() as s:
                assert not await backend.gin_first(s, Match((("common",),)), 6)
                assert await backend.gin_first(s, Match(required=(("pair",), ("rare",))), 6)
                found = await backend.newest(s, [], Match((("rare",),)), 50)
            assert len(found) == 12
        finally:
            await database.stop()
