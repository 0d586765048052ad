"""Counting what a fault cost: chat acknowledged vs. chat each client holds, document text in
the archive vs. what clients hold, presence listed vs. who is really there."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any

import pycrdt
from sqlalchemy import select

from salon.documents.persist import load_state
from salon.store.db import Database
from salon.store.models import Document
from salon_client import SalonClient
from salon_client.client import SalonClientError


@dataclass
class ChatCount:
    lost: int = 0
    duplicated: int = 0
    out_of_order: int = 0


@dataclass
class Sender:
    """Sends numbered messages and retries each (same client id) until acknowledged, as a
    careful client does across a node crash."""

    client: SalonClient
    room: str
    acked: list[dict[str, Any]] = field(default_factory=list)

    async def send(self, body: str, attempts: int = 60) -> None:
        client_id = uuid.uuid4().hex
        for _ in range(attempts):
            try:
                self.acked.append(await self.client.send_chat(self.room, body, client_id))
                return
            except (SalonClientError, TimeoutError, Exception):
                await asyncio.sleep(0.2)
        raise AssertionError(f"{body!r} was never acknowledged")

    async def run(self, prefix: str, count: int, pause: float = 0.02) -> None:
        for i in range(count):
            await self.send(f"{prefix}-{i}")
            await asyncio.sleep(pause)


def count_chat(acked: list[dict[str, Any]], held: list[dict[str, Any]], room: str) -> ChatCount:
    """``acked``: every acknowledged message; ``held``: one client's chat:message events."""
    mine = [m for m in held if m["room_id"] == room]
    seqs = [m["seq"] for m in mine]
    by_seq = {m["seq"]: m for m in mine}
    result = ChatCount(duplicated=len(seqs) - len(set(seqs)))
    result.lost = sum(1 for m in acked if by_seq.get(m["seq"], {}).get("body") != m["body"])
    # Each sender's messages must be in the order it sent them (shown in seq order).
    for user in {m["user_id"] for m in acked}:
        sent = [m["body"] for m in acked if m["user_id"] == user]
        shown = [by_seq[s]["body"] for s in sorted(by_seq) if by_seq[s]["user_id"] == user]
        shown = [b for b in shown if b in set(sent)]
        result.out_of_order += sum(1 for a, b in zip(sent, shown, strict=False) if a != b)
    return result


async def archived_text(database_url: str, room_id: str, name: str = "notes") -> str:
    """The document as a node loading it from the archive would see it."""
    db = Database(database_url)
    await db.start()
    try:
        async with db.read() as session:
            document_id = await session.scalar(
                select(Document.id).where(Document.room_id == room_id, Document.name == name)
            )
        assert document_id is not None, f"no document {name} in {room_id}"
        state = (await load_state(db, document_id)).state
    finally:
        await db.stop()
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    doc.apply_update(state)
    return str(doc.get("content", type=pycrdt.Text))


def missing_chars(held: str, archived: str) -> int:
    """Characters clients hold that the archive lacks (0 when they are equal)."""
    return 0 if held == archived else max(1, len(held) - len(archived))


def presence_errors(listed: set[str], really_there: set[str]) -> tuple[int, int]:
    """(ghosts, false leaves): listed but gone, present but not listed."""
    return len(listed - really_there), len(really_there - listed)
