"""kill -9 under mixed load (chat, Q&A, document edits), then restart: everything that was
acknowledged is there, and a reconnecting editor converges with the server."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from salon_client import SalonClient, SalonClientError
from salon_client.document import DocumentClient
from tests.support.clients import user_id
from tests.support.servers import ServerProcess


async def keep_busy(action: Any, acked: list[Any], stop: asyncio.Event) -> None:
    """Repeat ``action`` and record its acknowledged results until the server dies."""
    i = 0
    while not stop.is_set():
        try:
            acked.append(await action(i))
        except (SalonClientError, Exception):
            return
        i += 1


async def test_acknowledged_work_survives_kill_9_under_load(own_server: ServerProcess) -> None:
    own_server.settings.update(presence_grace=0)
    own_server.start()
    host_id, expert_id, ann_id = user_id("host"), user_id("expert"), user_id("ann")
    clients = {
        u: SalonClient(own_server.url, token=own_server.token(u), reconnection=False)
        for u in (host_id, expert_id, ann_id)
    }
    for c in clients.values():
        await c.connect()
    host, expert, ann = clients[host_id], clients[expert_id], clients[ann_id]
    room = (await host.create_room("Crash"))["id"]
    await host.set_role(room, expert_id, "expert")
    session = await host.schedule_session(room, "Under load")
    for c in clients.values():
        await c.join(room)
    await host.start_session(session["id"])
    first = await ann.ask(room, "Seed question?")
    editor = DocumentClient(own_server.url, room, "notes", token=own_server.token(ann_id))
    await editor.connect()

    chats: list[dict[str, Any]] = []
    questions: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    typed: list[str] = []
    stop = asyncio.Event()

    async def type_line(i: int) -> str:
        line = f"line {i}\n"
        with editor.doc.transaction():
            editor.text().insert(len(editor.text()), line)
        # y-socket.io updates carry no ack: "flushed" means handed to the socket. What proves
        # nothing is lost is the convergence after the editor reconnects (below).
        await editor.flushed()
        return line

    tasks = [
        asyncio.create_task(keep_busy(lambda i: ann.send_chat(room, f"chat {i}"), chats, stop)),
        asyncio.create_task(keep_busy(lambda i: ann.ask(room, f"question {i}?"), questions, stop)),
        asyncio.create_task(
            keep_busy(lambda i: expert.answer(first["id"], f"answer {i}"), answers, stop)
        ),
        asyncio.create_task(keep_busy(type_line, typed, stop)),
    ]
    await asyncio.sleep(2.0)
    before_kill = len(typed)
    own_server.kill()
    stop.set()
    await asyncio.gather(*tasks)
    for c in clients.values():
        await c.close()
    await editor.close()
    assert chats and questions and answers and typed

    own_server.start()
    async with SalonClient(own_server.url, token=own_server.token(host_id)) as h:
        await h.join(room)
        stored = (await h.history(room, limit=200))["messages"]
        stored_ids = {m["id"] for m in stored}
        assert {m["id"] for m in chats} <= stored_ids
        listed = {q["id"]: q for q in await h.questions(session["id"], sort="recent")}
        assert {q["id"] for q in questions} <= set(listed)
        stored_answers = {a["id"] for a in listed[first["id"]]["answers"]}
        assert {a["answers"][-1]["id"] for a in answers} <= stored_answers

    # The editor reconnects with what it typed; server and client converge, nothing is lost.
    again = DocumentClient(
        own_server.url, room, "notes", token=own_server.token(ann_id), doc=editor.doc
    )
    await again.connect()
    await again.flushed()
    check = DocumentClient(own_server.url, room, "notes", token=own_server.token(host_id))
    await check.connect()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(10):
            while str(check.text()) != str(again.text()):
                await asyncio.sleep(0.1)
    assert str(check.text()) == str(again.text())
    assert all(line in str(check.text()) for line in typed[:before_kill])
    await again.close()
    await check.close()
