"""Documents of a room: create/list/rename/delete with role rules, open for sync, server edits.

The realtime and REST layers call this; it owns no transport. Roles come from the room service
(``role_of``), so membership rules live in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import pycrdt
from sqlalchemy.exc import IntegrityError

from salon.bus import Bus
from salon.core.auth import Identity
from salon.core.config import Settings
from salon.core.errors import SalonError, forbidden, not_found
from salon.documents import repository as repo
from salon.documents.limits import DocLimits, check_name
from salon.documents.manager import DocManager, Transport
from salon.documents.replica import DocReplicator
from salon.documents.room import EDIT_ROLES, Author, DocRoom
from salon.store.db import Database
from salon.store.models import Document, utcnow


class RoleSource(Protocol):
    async def role_of(self, room_id: str, identity: Identity) -> str | None: ...

    async def is_archived(self, room_id: str) -> bool: ...


def require_reader(role: str | None) -> str:
    if role is None:
        raise SalonError("not_member", "you are not a member of this room")
    return role


def require_editor(role: str | None, action: str = "editing documents") -> str:
    if require_reader(role) not in EDIT_ROLES:
        raise forbidden(action)
    return role  # type: ignore[return-value]


class DocumentService:
    def __init__(
        self,
        db: Database,
        rooms: RoleSource,
        manager: DocManager,
        limits: DocLimits,
    ) -> None:
        self.db = db
        self.rooms = rooms
        self.manager = manager
        self.limits = limits

    @classmethod
    def build(
        cls,
        settings: Settings,
        db: Database,
        rooms: RoleSource,
        bus: Bus,
        transport: Transport,
        session_of: Callable[[str], str | None],
    ) -> DocumentService:
        limits = DocLimits.from_settings(settings)

        def replicated(manager: DocManager) -> DocReplicator:
            return DocReplicator(bus, manager)

        # One node needs no replication; an unshared bus would only echo to ourselves.
        manager = DocManager(db, limits, transport, session_of, replicated if bus.shared else None)
        return cls(db, rooms, manager, limits)

    async def start(self) -> None:
        await self.manager.start()
        if self.manager.replication is not None:
            await self.manager.replication.start()

    async def stop(self) -> None:
        if self.manager.replication is not None:
            await self.manager.replication.stop()
        await self.manager.stop()

    # --- catalogue -------------------------------------------------------------------------

    async def role(self, room_id: str, who: Identity) -> str | None:
        return await self.rooms.role_of(room_id, who)

    async def require_edit(self, room_id: str, who: Identity, action: str) -> str:
        """The caller's role if they may change documents now; archived rooms are read-only."""
        role = require_editor(await self.role(room_id, who), action)
        if await self.rooms.is_archived(room_id):
            raise SalonError("room_archived", "documents of archived rooms are read-only")
        return role

    async def live_role(self, room_id: str, role: str) -> str:
        """The role a connecting socket acts with: in an archived room everyone only reads."""
        return "viewer" if await self.rooms.is_archived(room_id) else role

    async def get(self, room_id: str, name: str) -> Document:
        async with self.db.read() as session:
            document = await repo.get_document(session, room_id, name)
        if document is None:
            raise not_found("document")
        return document

    async def list_documents(self, room_id: str, who: Identity) -> list[Document]:
        require_reader(await self.role(room_id, who))
        async with self.db.read() as session:
            return list(await repo.list_documents(session, room_id))

    async def create(self, room_id: str, name: str, who: Identity) -> Document:
        await self.require_edit(room_id, who, "creating documents")
        name = check_name(name)
        try:
            return await self._add(room_id, name, who.user_id)
        except IntegrityError as exc:
            raise SalonError("conflict", f"a document named {name!r} exists") from exc

    async def create_if_missing(self, room_id: str, name: str, user_id: str | None) -> Document:
        """The live document of that name, created for ``user_id`` if missing.

        The one path by which documents appear besides ``create``: a first editor's
        connection, and server-side writes such as answers appended to the session notes.
        A created document counts against ``user_id``'s quota like one made through the API;
        at the quota this raises ``limit_reached``, so the caller's action fails visibly.
        ``user_id`` None: the server's own document, outside any quota. Races resolve to one row.
        """
        name = check_name(name)
        async with self.db.read() as session:
            existing = await repo.get_document(session, room_id, name)
        if existing is not None:
            return existing
        try:
            return await self._add(room_id, name, user_id)
        except IntegrityError:
            return await self.get(room_id, name)  # a concurrent first connection made it

    async def _add(self, room_id: str, name: str, user_id: str | None) -> Document:
        async with self.db.unit() as session:
            if user_id is not None:
                await self._check_quota(session, user_id)
            return await repo.add_document(session, room_id, name, user_id or "salon")

    async def _check_quota(self, session: Any, user_id: str) -> None:
        if await repo.count_created_by(session, user_id) >= self.limits.documents_per_user:
            raise SalonError("limit_reached", "you have created as many documents as allowed")

    async def rename(self, room_id: str, name: str, new_name: str, who: Identity) -> Document:
        await self.require_edit(room_id, who, "renaming documents")
        new_name = check_name(new_name)
        try:
            async with self.db.unit() as session:
                document = await repo.get_document(session, room_id, name)
                if document is None:
                    raise not_found("document")
                document.name, document.updated_at = new_name, utcnow()
        except IntegrityError as exc:
            raise SalonError("conflict", f"a document named {new_name!r} exists") from exc
        # Sockets already open stay on the same loaded room: it is keyed by id, not name.
        return document

    async def delete(self, room_id: str, name: str, who: Identity) -> None:
        if require_reader(await self.role(room_id, who)) != "host":
            raise forbidden("deleting documents")
        async with self.db.unit() as session:
            document = await repo.get_document(session, room_id, name)
            if document is None:
                raise not_found("document")
            document.deleted_at = utcnow()
        await self.manager.close_document(document.id)

    # --- live documents --------------------------------------------------------------------

    async def open(self, room_id: str, name: str, who: Identity, role: str) -> DocRoom:
        """The loaded document for a connecting client; editors create it on first use."""
        name = check_name(name)
        async with self.db.read() as session:
            document = await repo.get_document(session, room_id, name)
        if document is None:
            if role not in EDIT_ROLES:
                raise not_found("document")
            document = await self.create_if_missing(room_id, name, who.user_id)
        return await self.manager.open(document.id, room_id)

    async def edit(
        self,
        room_id: str,
        name: str,
        change: Callable[[pycrdt.Doc[Any]], None],
        author: Author,
        create: bool = False,
    ) -> None:
        """Change a document from the server, through the same path as a client update.

        ``create``: make the document first if the room has none of that name (e.g. the
        session notes the first answered question is written into), for ``author.user_id``
        and within their quota (see ``create_if_missing``).
        """
        if create:
            document = await self.create_if_missing(room_id, name, author.user_id)
        else:
            document = await self.get(room_id, name)
        room = await self.manager.open(document.id, room_id)
        room.edit(change, author)

    async def append_text(
        self, room_id: str, name: str, text: str, author: Author, create: bool = False
    ) -> None:
        """Append ``text`` to the document's main text (e.g. an answered question), on a
        line of its own."""
        field = self.limits.text_field

        def change(doc: pycrdt.Doc[Any]) -> None:
            ytext = doc.get(field, type=pycrdt.Text)
            current = str(ytext)
            separator = "\n" if current and not current.endswith("\n") else ""
            # pycrdt lengths and offsets are both UTF-8 bytes
            ytext.insert(len(ytext), separator + text)

        await self.edit(room_id, name, change, author, create)

    async def flush(self) -> None:
        """Wait until every applied update is in the archive (tests, shutdown, restore)."""
        await self.manager.writer.flush()
