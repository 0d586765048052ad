"""The DocumentsPort that sessions and Q&A use, over the documents feature: final texts for
the archive, answered questions appended to the notes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pycrdt

from salon.documents import repository as repo
from salon.documents.room import Author
from salon.documents.service import DocumentService


class DocumentsAdapter:
    def __init__(self, documents: DocumentService, session_of: Callable[[str], str | None]) -> None:
        """``session_of``: the room's live session, which appended text is stamped with."""
        self._documents = documents
        self._session_of = session_of

    async def list_docs(self, room_id: str) -> list[str]:
        async with self._documents.db.read() as session:
            return [d.name for d in await repo.list_documents(session, room_id)]

    async def text_of(self, room_id: str, doc_name: str) -> str:
        """The live text (including edits not yet in the archive's log)."""
        document = await self._documents.get(room_id, doc_name)
        room = await self._documents.manager.open(document.id, room_id)
        text: Any = room.doc.get(self._documents.limits.text_field, type=pycrdt.Text)
        return str(text)

    async def append_text(self, room_id: str, doc_name: str, text: str, author: str) -> None:
        """Append as an edit by ``author`` in the live session.

        A missing document is created for ``author`` (the expert or host appending) and
        counts against their document quota; at the quota the append fails with
        ``limit_reached`` and nothing is written, which Q&A passes back to the caller.
        """
        who = Author(author, self._session_of(room_id))
        await self._documents.append_text(room_id, doc_name, text, who, create=True)
