"""DocumentsAdapter: Q&A's server-side appends create the notes through the quota'd path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pycrdt
import pytest

from salon.core.auth import Identity
from salon.core.errors import SalonError
from salon.documents import repository as repo
from salon.documents.limits import DocLimits
from salon.documents.manager import DocManager
from salon.documents.notes import DocumentsAdapter
from salon.documents.service import DocumentService
from salon.store.db import Database
from tests.documents.dbutil import archive


class Hosts:
    async def role_of(self, room_id: str, identity: Identity) -> str:
        return "host"

    async def is_archived(self, room_id: str) -> bool:
        return False


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await archive(tmp_path)
    yield database
    await database.stop()


@pytest.fixture
async def service(db: Database) -> AsyncIterator[DocumentService]:
    limits = DocLimits(flush_ms=5, write_batch_ms=5, documents_per_user=2)
    documents = DocumentService(db, Hosts(), DocManager(db, limits), limits)
    await documents.start()
    yield documents
    await documents.stop()


def adapter(db: Database, service: DocumentService) -> DocumentsAdapter:
    return DocumentsAdapter(service, lambda room_id: None)


async def made_by(db: Database, user_id: str) -> int:
    async with db.read() as session:
        return await repo.count_created_by(session, user_id)


async def test_missing_notes_are_created_for_the_appending_user(
    db: Database, service: DocumentService
) -> None:
    port = adapter(db, service)
    await port.append_text("room1", "notes", "Q: why? A: because.", "ana")
    assert await port.text_of("room1", "notes") == "Q: why? A: because."
    assert (await service.get("room1", "notes")).created_by == "ana"
    assert await made_by(db, "ana") == 1


async def test_at_the_quota_the_append_fails_visibly_and_writes_nothing(
    db: Database, service: DocumentService
) -> None:
    port = adapter(db, service)
    ana = Identity("ana", "Ana")
    for name in ("one", "two"):
        await service.create("room1", name, ana)
    with pytest.raises(SalonError) as err:
        await port.append_text("room1", "notes", "Q: lost? A: no.", "ana")
    assert err.value.code == "limit_reached"
    assert await port.list_docs("room1") == ["one", "two"]
    await port.append_text("room1", "one", "existing documents still take appends", "ana")
    assert await port.text_of("room1", "one") == "existing documents still take appends"


async def test_the_same_path_serves_an_editor_connecting_first(
    db: Database, service: DocumentService
) -> None:
    ana = Identity("ana", "Ana")
    await service.create("room1", "one", ana)
    await service.open("room1", "two", ana, "host")  # created on first connection
    with pytest.raises(SalonError) as err:
        await service.open("room1", "three", ana, "host")
    assert err.value.code == "limit_reached"
    room = await service.open("room1", "two", ana, "host")  # existing: no quota involved
    assert isinstance(room.doc, pycrdt.Doc)
