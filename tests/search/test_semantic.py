"""The semantic stage of search with the real model, on both backends: the encoder matches the
reference model, the background indexer embeds what the services queue, a question in other
words lands on its answer, and nothing comes back that the reader may not see."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bench.archive import archive_node
from bench.relevance import ASKERS, EXPERT, HOST, READER, session_with
from salon.core.auth import Identity
from salon.search.semantic.encoder import missing
from salon.search.semantic.stage import semantic_stage
from salon.search.service import SearchQuery
from salon.services import Services
from salon.sessions.service import SessionCreate
from salon.store.models import SearchVector, SearchVectorQueue
from tests.support.services import postgres_database, require, require_service

FLAKY = "Why are the integration tests flaky on the CI runners?"
FIX = "They share one database container; the fix is a database per job."
PAGING = "Should new endpoints use pagination with cursors or offsets?"


def require_model() -> None:
    reason = missing(None)
    require(reason is None, f"semantic search cannot run: {reason}")


@pytest.fixture(params=["sqlite", "postgres"])
async def node(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Services]:
    require_model()
    if request.param == "sqlite":
        async with archive_node(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}", True) as services:
            yield services
    else:
        require_service("postgres")
        with postgres_database() as url:
            async with archive_node(url, True) as services:
                yield services


def test_the_encoder_reproduces_the_reference_model() -> None:
    require_model()
    from salon.search.semantic.encoder import Encoder

    encoder = Encoder()
    # The first values sentence-transformers' all-MiniLM-L6-v2 gives for this sentence.
    vector = encoder.encode(["This is an example sentence"])[0]
    reference = [0.0676569, 0.0634960, 0.0487131, 0.0793050, 0.0374481]
    assert [round(float(v), 6) for v in vector[:5]] == pytest.approx(reference, abs=1e-6)
    a, b, c = encoder.encode(
        ["how do we rotate the staging certs?", "certificate rotation on staging", "lunch?"]
    )
    assert float(a @ b) > 0.7 > 0.1 > float(a @ c)
    # One text alone or in a padded batch: the same vector.
    alone = encoder.encode(["lunch?"])[0]
    assert float(alone @ c) == pytest.approx(1.0, abs=1e-5)


async def vectors(services: Services) -> tuple[int, int]:
    async with services.db.read() as s:
        stored = await s.scalar(select(func.count()).select_from(SearchVector))
        queued = await s.scalar(select(func.count()).select_from(SearchVectorQueue))
    return int(stored or 0), int(queued or 0)


async def search(services: Services, who: Identity, q: str, **extra: Any) -> dict[str, Any]:
    return await services.search.search(who, SearchQuery(q=q, **extra))


async def test_a_question_in_other_words_finds_the_answer(node: Services) -> None:
    services = node
    stage = services.search.semantic
    assert stage is not None
    await stage.stop()  # its background loop: this test runs the passes itself (catch_up)
    for who in [HOST, EXPERT, *ASKERS, READER]:
        await services.rooms.ensure_user(who)
    flaky, paging = await session_with(
        services, "CI pipelines", "tests", [(FLAKY, FIX), (PAGING, "Cursors.")], 0
    )
    # Queued with each change of a Q&A's text (asked, answered), not embedded on the way.
    assert await vectors(services) == (0, 4)
    await stage.catch_up()
    assert await vectors(services) == (2, 0) and stage.size == 2

    found = await search(services, READER, "our tests randomly fail in the pipeline, why?")
    assert found["semantic"] is True and found["good_match"] is True
    top = found["hits"][0]
    assert (top["kind"], top["id"]) == ("question", str(flaky))
    assert top["similarity"] >= 0.45
    paged = await search(services, READER, "how do I page through long lists in the api?")
    assert str(paging) in [h["id"] for h in paged["hits"][:3]]
    # Suggestions while someone types use the same ranking.
    similar = await services.search.similar_questions(READER, "ci tests keep failing randomly")
    assert similar and similar[0]["id"] == str(flaky)
    # A quoted phrase must be in every hit: only words can tell, so the stage stays out.
    phrase = await search(services, READER, '"randomly fail"')
    assert phrase["semantic"] is False and phrase["hits"] == []

    # A new answer changes the Q&A's text: queued again, embedded again, found by it.
    await services.qa.answer(EXPERT, flaky, "Also: never share a port between test jobs.")
    assert (await vectors(services))[1] == 1
    await stage.catch_up()
    assert await vectors(services) == (2, 0)


async def live_room(services: Services, title: str, visibility: str) -> str:
    room = await services.rooms.create(HOST, {"title": title, "visibility": visibility})
    await services.rooms.enter(room.id, HOST)
    created = await services.sessions.schedule(HOST, SessionCreate(room_id=room.id, title=title))
    await services.sessions.start(HOST, created["id"])
    return room.id


async def test_semantic_hits_honour_rights(node: Services) -> None:
    services = node
    stage = services.search.semantic
    assert stage is not None
    await stage.stop()  # its background loop: this test runs the passes itself (catch_up)
    for who in [HOST, EXPERT, *ASKERS, READER]:
        await services.rooms.ensure_user(who)
    private = await live_room(services, "Private", "invite-only")
    hidden = await services.qa.ask(HOST, private, FLAKY, False)
    public = await live_room(services, "Public", "public")
    dismissed = await services.qa.ask(HOST, public, PAGING, False)
    await stage.catch_up()
    await services.qa.dismiss(HOST, dismissed["id"], "duplicate")
    await stage.catch_up()
    assert (await vectors(services))[0] == 1  # the dismissed question's vector went with it

    query = "our tests randomly fail in the pipeline, why?"
    assert (await search(services, READER, query))["hits"] == []
    mine = await search(services, HOST, query)
    assert mine["hits"][0]["id"] == str(hidden["id"])
    paged = await search(services, READER, "how do I page through long lists in the api?")
    assert str(dismissed["id"]) not in {h["id"] for h in paged["hits"]}
    # Filters apply to the semantic stage as to words.
    assert (await search(services, HOST, query, room=public))["hits"] == []


def test_the_stage_is_optional(tmp_path: Path) -> None:
    from salon.store.db import Database

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    assert semantic_stage(db, "off", None) is None
    assert semantic_stage(db, "auto", tmp_path) is None  # no model there: words only
    with pytest.raises(ValueError, match=r"search_semantic=on but .* holds no model\.safetensors"):
        semantic_stage(db, "on", tmp_path)
