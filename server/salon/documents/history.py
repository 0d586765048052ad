"""Document history: versions, content at any recorded time, restore, and exports.

The log is append-only and ids grow with arrival time, so "the document at time T" is the
snapshot-plus-tail rebuild up to the newest update recorded at or before T.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pycrdt

from salon.core.auth import Identity
from salon.core.errors import SalonError
from salon.documents import repository as repo
from salon.documents.persist import load_state
from salon.documents.room import Author
from salon.documents.service import DocumentService, require_reader

FORMATS = ("text", "markdown", "json")


def parse_time(value: str | None) -> datetime:
    """ISO 8601 (naive = UTC) or unix milliseconds; missing = now."""
    if value is None or value == "":
        return datetime.now(UTC)
    try:
        if value.lstrip("-").isdigit():
            return datetime.fromtimestamp(int(value) / 1000, UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError) as exc:
        raise SalonError("bad_request", "time must be ISO 8601 or unix milliseconds") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(slots=True)
class Content:
    at: datetime
    update_id: int | None
    doc: pycrdt.Doc[Any]
    field: str

    @property
    def text(self) -> str:
        return str(self.doc.get(self.field, type=pycrdt.Text))

    def render(self, fmt: str) -> str | dict[str, Any]:
        ytext = self.doc.get(self.field, type=pycrdt.Text)
        if fmt == "text":
            return str(ytext)
        if fmt == "markdown":
            return to_markdown(ytext.diff())
        if fmt == "json":
            return {
                "at": self.at.isoformat(),
                "update_id": self.update_id,
                "field": self.field,
                "text": str(ytext),
                "delta": [_delta_op(i, a) for i, a in ytext.diff()],
            }
        raise SalonError("bad_request", f"format must be one of {', '.join(FORMATS)}")


def _delta_op(insert: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
    op: dict[str, Any] = {"insert": insert if isinstance(insert, str) else str(insert)}
    if attrs:
        op["attributes"] = attrs
    return op


class History:
    def __init__(self, documents: DocumentService) -> None:
        self.documents = documents
        self.db = documents.db

    async def versions(
        self, room_id: str, name: str, who: Identity, limit: int = 200
    ) -> dict[str, Any]:
        require_reader(await self.documents.role(room_id, who))
        document = await self.documents.get(room_id, name)
        async with self.db.read() as session:
            snapshots = await repo.list_snapshots(session, document.id)
            points = await repo.update_points(session, document.id, limit)
        return {
            "document": {"id": document.id, "name": document.name},
            "snapshots": [
                {"id": s, "update_id": u, "at": t.isoformat(), "bytes": b}
                for s, u, t, b in snapshots
            ],
            "points": [{"update_id": i, "at": t.isoformat(), "user_id": u} for i, t, u in points],
        }

    async def content_at(self, room_id: str, name: str, who: Identity, at: datetime) -> Content:
        require_reader(await self.documents.role(room_id, who))
        document = await self.documents.get(room_id, name)
        await self.documents.flush()  # "now" must include edits still in the write batch
        return await self._content(document.id, at)

    async def _content(self, document_id: str, at: datetime) -> Content:
        async with self.db.read() as session:
            upto = await repo.last_update_id_at(session, document_id, at)
        doc: pycrdt.Doc[Any] = pycrdt.Doc()
        if upto is not None:
            doc.apply_update((await load_state(self.db, document_id, upto)).state)
        return Content(at, upto, doc, self.documents.limits.text_field)

    async def restore(self, room_id: str, name: str, who: Identity, at: datetime) -> Content:
        """Make the text equal to what it was at ``at``, as a new edit everyone receives."""
        await self.documents.require_edit(room_id, who, "restoring documents")
        document = await self.documents.get(room_id, name)
        await self.documents.flush()
        old = (await self._content(document.id, at)).text
        field = self.documents.limits.text_field

        def change(doc: pycrdt.Doc[Any]) -> None:
            replace_text(doc.get(field, type=pycrdt.Text), old)

        await self.documents.edit(room_id, name, change, Author(who.user_id))
        await self.documents.flush()  # the restore itself is now part of the history
        return await self._content(document.id, datetime.now(UTC))


def replace_text(ytext: pycrdt.Text, target: str) -> None:
    """Turn ``ytext`` into ``target`` with minimal edits, so concurrent work elsewhere survives."""
    current = str(ytext)
    ops = difflib.SequenceMatcher(a=current, b=target, autojunk=False).get_opcodes()

    def offset(index: int) -> int:
        # pycrdt indexes text in UTF-8 bytes, difflib in characters.
        return len(current[:index].encode())

    for tag, i1, i2, j1, j2 in reversed(ops):  # back to front: earlier offsets stay valid
        if tag in ("replace", "delete"):
            del ytext[offset(i1) : offset(i2)]
        if tag in ("replace", "insert"):
            ytext.insert(offset(i1), target[j1:j2])


# --- Markdown ----------------------------------------------------------------------------------

_INLINE = (("code", "`"), ("bold", "**"), ("italic", "_"), ("strike", "~~"))


def _inline(text: str, attrs: dict[str, Any]) -> str:
    for key, mark in _INLINE:
        if attrs.get(key):
            text = f"{mark}{text}{mark}"
    link = attrs.get("link")
    return f"[{text}]({link})" if isinstance(link, str) else text


def _block_prefix(attrs: dict[str, Any], ordinal: int) -> str:
    header = attrs.get("header")
    if isinstance(header, int) and 1 <= header <= 6:
        return "#" * header + " "
    if attrs.get("list") == "bullet":
        return "- "
    if attrs.get("list") == "ordered":
        return f"{ordinal}. "
    if attrs.get("blockquote"):
        return "> "
    return ""


def to_markdown(delta: list[tuple[Any, dict[str, Any] | None]]) -> str:
    """Quill-style delta (block formats sit on the newline) to Markdown; plain text passes."""
    lines: list[str] = []
    line: list[str] = []
    ordinal = 0
    for insert, attrs in delta:
        attrs = attrs or {}
        if not isinstance(insert, str):
            continue  # embeds (images, widgets) have no Markdown form here
        parts = insert.split("\n")
        for index, part in enumerate(parts):
            if part:
                line.append(_inline(part, attrs) if attrs else part)
            if index < len(parts) - 1:  # this part ended a line: the newline carries block attrs
                ordinal = ordinal + 1 if attrs.get("list") == "ordered" else 0
                lines.append(_block_prefix(attrs, ordinal) + "".join(line))
                line = []
    if line:
        lines.append("".join(line))
    return "\n".join(lines)
