"""The archive side of sessions, in-process on a real database with the real documents
feature: the documents port (final notes, appended answers, log stamps, document search),
the timeline recorder other features call, and role changes written once with their change."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import engineio
import pytest
import socketio
from sqlalchemy import select

from salon.app import build_services, running
from salon.core.auth import Identity
from salon.core.config import Settings
from salon.core.errors import SalonError
from salon.documents.notes import DocumentsAdapter
from salon.documents.repository import get_document
from salon.qa.view import QuestionList
from salon.search.service import SearchQuery
from salon.services import Services
from salon.sessions.service import SessionCreate
from salon.store.migrate import upgrade
from salon.store.models import DocUpdate
from tests.support.services import postgres_database

HOST = Identity("host-archive", "Hanna Host")
ERIN = Identity("erin-archive", "Erin Expert")
BOB = Identity("bob-archive", "Bob")


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "postgres":
        with postgres_database() as url:
            yield url
    else:
        yield f"sqlite+aiosqlite:///{tmp_path / 'salon.db'}"


@pytest.fixture
async def node(database_url: str, tmp_path: Path) -> AsyncIterator[Services]:
    await asyncio.to_thread(upgrade, database_url)
    settings = Settings(data_dir=tmp_path, database_url=database_url, secret="x" * 40)
    # An in-process server sets the JSON codec of every Socket.IO packet in this process;
    # put the client default back afterwards so other tests' clients are unaffected.
    codecs = (socketio.packet.Packet.json, engineio.packet.Packet.json)
    services, _hub = build_services(settings)
    try:
        async with running(services):
            yield services
    finally:
        socketio.packet.Packet.json, engineio.packet.Packet.json = codecs


async def live_session(services: Services) -> tuple[Services, str, str]:
    k = services
    for who in (HOST, ERIN, BOB):
        await services.rooms.ensure_user(who)
    room = await services.rooms.create(HOST, {"title": "Archive room"})
    p = SessionCreate(room_id=room.id, title="Notes session", experts=[ERIN.user_id])
    session = await k.sessions.schedule(HOST, p)
    await k.sessions.start(HOST, session["id"])
    return k, room.id, session["id"]


async def test_answers_go_to_the_notes_and_final_notes_are_archived(node: Services) -> None:
    k, room, sid = await live_session(node)
    port = DocumentsAdapter(node.documents, node.live.of)
    await port.append_text(room, "notes", "Agenda: certificates.\n", HOST.user_id)
    q = await k.qa.ask(BOB, room, "Where do the staging certs live?", anonymous=True)
    await k.qa.answer(ERIN, q["id"], "In the vault, under pki/staging.")
    await k.qa.mark_answered(ERIN, q["id"], True)
    with pytest.raises(SalonError) as err:
        await k.qa.append_to_notes(BOB, sid, None, "notes")
    assert err.value.code == "forbidden"
    assert await k.qa.append_to_notes(ERIN, sid, None, "notes") == [q["id"]]
    notes = await port.text_of(room, "notes")
    assert notes.startswith("Agenda: certificates.\nQ: Where do the staging certs live?")
    assert "A (Erin Expert): In the vault, under pki/staging." in notes
    assert "Bob" not in notes  # the asker was anonymous

    # Edits during the session are stamped with it in the document log.
    documents = node.documents
    await documents.flush()
    async with node.db.read() as session:
        document = await get_document(session, room, "notes")
        assert document is not None
        stamps = await session.scalars(
            select(DocUpdate.session_id).where(DocUpdate.document_id == document.id)
        )
        assert set(stamps.all()) == {sid}

    await k.sessions.end(HOST, sid)
    await port.append_text(room, "notes", "Written after the session.", HOST.user_id)
    record = await k.exports.record(BOB, sid)
    assert record["documents"]["notes"] == notes  # the text as it stood at the end
    markdown = await k.exports.markdown(BOB, sid)
    assert "## Notes: notes" in markdown and "pki/staging" in markdown

    found = await k.search.search(BOB, SearchQuery(q="vault", kind="document"))
    assert found["hits"][0]["id"] == f"{sid}/notes"
    assert found["hits"][0]["link"]["session_id"] == sid
    mine = await k.qa.questions(BOB, sid, QuestionList(session_id=sid).sort)
    assert mine[0]["asker"]["user_id"] == BOB.user_id and mine[0]["mine"]
    theirs = await k.qa.questions(ERIN, sid, "votes")
    assert theirs[0]["asker"] is None and not theirs[0]["mine"]


async def test_timeline_recorder_for_other_features(node: Services) -> None:
    k, room, sid = await live_session(node)
    timeline = node.timeline
    assert await timeline.current_session(room) == sid
    seq = await timeline.record(room, None, "doc.update", {"doc": "notes", "update_ids": [1, 2]})
    again = await timeline.record(room, sid, "doc.update", {"doc": "notes", "update_ids": [3]})
    assert seq is not None and again == seq + 1
    # A role change is written in its own unit by the node that made it: once, with its actor.
    await node.rooms.set_role(room, HOST, BOB.user_id, "expert")
    await k.sessions.end(HOST, sid)
    assert await timeline.current_session(room) is None
    assert await timeline.record(room, None, "doc.update", {"doc": "notes"}) is None
    events, _ = await timeline.page(sid, HOST.user_id, True, 0, 1000)
    kinds = [e["kind"] for e in events]
    assert kinds.count("role.change") == 1
    role = next(e for e in events if e["kind"] == "role.change")
    assert role["actor"] == HOST.user_id
    assert role["data"] == {"user_id": BOB.user_id, "role": "expert"}
    assert kinds.count("doc.update") == 2
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
