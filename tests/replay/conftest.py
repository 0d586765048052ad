"""A real session recorded with several clients, and what a live participant saw along the way."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest

from salon_client import SalonClient
from salon_client.document import DocumentClient
from tests.support.clients import user_id
from tests.support.servers import ServerProcess

STEP = 0.5  # seconds between recorded steps


@dataclass
class Recording:
    server: ServerProcess
    room: str
    session_id: str
    started_at: datetime
    users: dict[str, str]
    # offset (ms) -> what the observer (a participant) saw then
    seen: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    # what the observer received live, in order: (offset ms, kind, key)
    live: list[tuple[int, str, Any]] = field(default_factory=list)
    q1: int = 0
    clients: dict[str, SalonClient] = field(default_factory=dict)


def offset_now(started_at: datetime) -> int:
    return int((time.time() - started_at.timestamp()) * 1000)


def q_view(q: dict[str, Any]) -> tuple[Any, ...]:
    asker = (q.get("asker") or {}).get("user_id")
    return (
        q["id"],
        q["body"],
        q["status"],
        q["votes"],
        asker,
        tuple(a["body"] for a in q["answers"]),
    )


async def snapshot(
    observer: SalonClient, doc: DocumentClient, session_id: str, room: str
) -> dict[str, Any]:
    chat = (await observer.history(room, limit=200))["messages"]
    questions = await observer.questions(session_id, sort="recent")
    return {
        "text": str(doc.text()),
        "chat": [(m["body"], m["deleted"]) for m in chat],
        "questions": sorted(q_view(q) for q in questions),
    }


@pytest.fixture(scope="module")
async def recording(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Recording]:
    server = ServerProcess(tmp_path_factory.mktemp("replay"))
    server.start()
    names = {k: user_id(k) for k in ("host", "expert", "ann", "bob")}
    clients = {
        k: SalonClient(server.url, token=server.token(v, k.title())) for k, v in names.items()
    }
    for c in clients.values():
        await c.connect()
    h, e, ann, bob = clients["host"], clients["expert"], clients["ann"], clients["bob"]
    room = (await h.create_room("Replay room"))["id"]
    await h.set_role(room, names["expert"], "expert")
    session = await h.schedule_session(room, "Rotating certs")
    for c in clients.values():
        await c.join(room)
    started = await h.start_session(session["id"])
    started_at = datetime.fromisoformat(started["started_at"])
    rec = Recording(server, room, session["id"], started_at, names)
    ann_doc = await DocumentClient(
        server.url, room, "notes", token=server.token(names["ann"])
    ).connect()
    bob_doc = await DocumentClient(
        server.url, room, "notes", token=server.token(names["bob"])
    ).connect()

    def track(kind: str) -> None:
        ann.on(kind, lambda d: rec.live.append((offset_now(started_at), kind, d.get("id"))))

    track("chat:message")

    async def step(action: Any) -> None:
        await action()
        await asyncio.sleep(STEP / 2)
        rec.seen.append(
            (offset_now(started_at), await snapshot(ann, ann_doc, rec.session_id, room))
        )
        await asyncio.sleep(STEP / 2)

    async def type_agenda() -> None:
        with bob_doc.doc.transaction():
            bob_doc.text().insert(0, "Agenda: certs")
        await bob_doc.flushed()

    async def oops() -> None:
        message = await bob.send_chat(room, "oops, wrong room")
        await bob.delete_chat(room, message["id"])

    async def spam_dismissed() -> None:
        q = await ann.ask(room, "Buy cheap watches?")
        await h.dismiss(q["id"], "off topic")

    async def answer_and_accept() -> None:
        q1 = rec.q1
        answered = await e.answer(q1, "Run rotate-certs.sh on the bastion")
        await h.accept(q1, answered["answers"][-1]["id"])

    async def ask() -> None:
        rec.q1 = (await bob.ask(room, "How do we rotate the staging certs?", anonymous=True))["id"]

    async def finish_notes() -> None:
        with bob_doc.doc.transaction():
            bob_doc.text().insert(len(str(bob_doc.text())), " — done")
        await bob_doc.flushed()

    await asyncio.sleep(STEP)
    await step(lambda: ann.send_chat(room, "hello everyone"))
    await step(type_agenda)
    await step(ask)
    await step(lambda: ann.vote(rec.q1))
    await step(oops)
    await step(spam_dismissed)
    await step(answer_and_accept)
    await step(finish_notes)
    await step(lambda: ann.send_chat(room, "thanks!"))
    await h.end_session(session["id"])
    for d in (ann_doc, bob_doc):
        await d.close()
    rec.clients = clients
    yield rec
    for c in clients.values():
        await c.close()
    server.stop()
