"""Rights follow connected sockets: for every change of rights and every live channel, the
socket's next action is refused with the documented code, and it receives nothing it may no
longer see. One member ("mia") holds all three channels at once — "/" (joined to the room),
the room's document namespace, and a replay of one of its ended sessions — while the host
changes her rights over REST."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from salon_client import SalonClient, SalonClientError
from salon_client.document import DocumentClient
from tests.documents.helpers import eventually
from tests.support.clients import user_id
from tests.support.cluster import cluster
from tests.support.servers import ServerProcess

# change -> expected outcome of the next action on each channel ("ok": still allowed).
TABLE: dict[str, dict[str, str]] = {
    "remove": {"/": "removed", "doc": "removed", "replay": "removed"},
    "ban": {"/": "banned", "doc": "banned", "replay": "banned"},
    "demote": {"/": "forbidden", "doc": "forbidden", "replay": "ok"},
    "invite-only": {"/": "not_member", "doc": "not_member", "replay": "not_member"},
    "archive": {"/": "room_archived", "doc": "forbidden", "replay": "ok"},
    # Asking anytime: once the session ends, a question waits in the room's open queue.
    "session end": {"/": "ok", "doc": "ok", "replay": "ok"},
}
# After these, mia may no longer see the room at all.
SHUT_OUT = {"remove", "ban", "invite-only"}


@dataclass
class World:
    server: ServerProcess
    room: str
    live_session: str
    host: SalonClient
    mia: SalonClient
    mia_id: str
    host_doc: DocumentClient
    mia_doc: DocumentClient
    replay_id: str


@asynccontextmanager
async def world(server: ServerProcess, change: str) -> AsyncIterator[World]:
    host_id, mia_id = user_id("host"), user_id("mia")
    host = SalonClient(server.url, token=server.token(host_id))
    mia = SalonClient(server.url, token=server.token(mia_id), reconnection=False)
    await host.connect()
    await mia.connect()
    # Visibility change: mia is in a public room without being a member; otherwise a member.
    visibility = "public" if change == "invite-only" else "invite-only"
    room = str((await host.create_room("Rights", visibility=visibility))["id"])
    if change != "invite-only":
        await host.set_role(room, mia_id, "participant")
    await host.join(room)
    ended = (await host.schedule_session(room, "Earlier"))["id"]
    await host.start_session(ended)
    await host.send_chat(room, "said during the earlier session")
    await host.end_session(ended)
    live = (await host.schedule_session(room, "Now"))["id"]
    await host.start_session(live)
    await mia.join(room)
    host_doc = await DocumentClient(
        server.url, room, "notes", token=server.token(host_id)
    ).connect()
    mia_doc = await DocumentClient(server.url, room, "notes", token=server.token(mia_id)).connect()
    replay = await mia.replay_open(ended, autoplay=False)
    try:
        yield World(
            server, room, live, host, mia, mia_id, host_doc, mia_doc, str(replay["replay_id"])
        )
    finally:
        for closing in (mia_doc.close(), host_doc.close(), mia.close(), host.close()):
            await closing


async def apply(w: World, change: str) -> None:
    if change == "remove":
        await w.host.remove_member(w.room, w.mia_id)
    elif change == "ban":
        await w.host.request("POST", f"/api/v1/rooms/{w.room}/bans", {"user_id": w.mia_id})
    elif change == "demote":
        await w.host.set_role(w.room, w.mia_id, "viewer")
    elif change == "invite-only":
        await w.host.request("PATCH", f"/api/v1/rooms/{w.room}", {"visibility": "invite-only"})
    elif change == "archive":
        await w.host.request("POST", f"/api/v1/rooms/{w.room}/archive")
    else:
        await w.host.end_session(w.live_session)


async def outcome(action: Any) -> str:
    try:
        await action
    except SalonClientError as exc:
        return exc.code
    return "ok"


async def next_on_root(w: World, change: str) -> str:
    if change == "session end":
        return await outcome(w.mia.ask(w.room, "Still taking questions?"))
    return await outcome(w.mia.send_chat(w.room, "my next message"))


async def next_on_doc(w: World) -> str:
    doc = w.mia_doc
    before = len(doc.errors)
    doc.text().insert(0, "my next edit ")
    try:
        await eventually(lambda: len(doc.errors) > before or not doc.sio.namespaces, within=1.5)
    except AssertionError:
        return "ok"
    if not doc.sio.namespaces:  # shut out: told why (event "access"), then disconnected
        await eventually(lambda: any(e["event"] == "access" for e in doc.errors))
        return str([e for e in doc.errors if e["event"] == "access"][-1]["code"])
    return str(doc.errors[-1]["code"])


async def next_on_replay(w: World) -> str:
    return await outcome(w.mia.replay_seek(w.replay_id, 0))


@pytest.mark.parametrize("change", list(TABLE))
async def test_rights_follow_live_sockets(server: ServerProcess, change: str) -> None:
    async with world(server, change) as w:
        await apply(w, change)
        expected = TABLE[change]
        got = {
            "/": await next_on_root(w, change),
            "doc": await next_on_doc(w),
            "replay": await next_on_replay(w),
        }
        assert got == expected
        await received_only_what_may_be_seen(w, change)


async def received_only_what_may_be_seen(w: World, change: str) -> None:
    if change in SHUT_OUT:
        await w.mia.wait_for("room:removed", include_past=True)
        assert w.mia.events["room:removed"][-1]["code"] == TABLE[change]["/"]
        await w.mia.wait_for("replay:closed", include_past=True)
        await eventually(lambda: not w.mia_doc.sio.namespaces)
        assert any(e["event"] == "access" for e in w.mia_doc.errors)
    # Whatever the room does next reaches mia only if she may still see it (an archived
    # room does nothing next: it is read-only for the host too).
    if change != "archive":
        await w.host.send_chat(w.room, "after the change")
        w.host_doc.text().insert(0, "host after the change ")
        await w.host_doc.flushed()
    if change in SHUT_OUT:
        await asyncio.sleep(0.5)
        assert "after the change" not in [m["body"] for m in w.mia.events["chat:message"]]
        assert "host after" not in str(w.mia_doc.text())
        people = (await w.host.request("GET", f"/api/v1/rooms/{w.room}/presence"))["presence"]
        assert w.mia_id not in [p["user_id"] for p in people]
        assert await outcome(w.mia.join(w.room)) == TABLE[change]["/"]
    elif change != "archive":
        await eventually(lambda: "host after" in str(w.mia_doc.text()))
        await w.mia.wait_for(
            "chat:message", lambda m: m["body"] == "after the change", include_past=True
        )
    else:
        assert w.mia_doc.sio.namespaces  # still reading the archived room's document
    await stored_only_what_was_allowed(w, change)


async def stored_only_what_was_allowed(w: World, change: str) -> None:
    edit_allowed = TABLE[change]["doc"] == "ok"
    path = f"/api/v1/rooms/{w.room}/documents/notes/content"

    async def stored_text() -> str:
        return str((await w.host.request("GET", path, format="json"))["text"])

    if edit_allowed:
        for _ in range(100):
            if "my next edit" in await stored_text():
                break
            await asyncio.sleep(0.05)
    assert ("my next edit" in await stored_text()) is edit_allowed
    if change == "session end":  # the next question was kept, in the room's open queue
        queue = (await w.host.request("GET", f"/api/v1/rooms/{w.room}/queue"))["questions"]
        assert "Still taking questions?" in [q["body"] for q in queue]
        return
    history = (await w.host.history(w.room))["messages"]
    assert ("my next message" in [m["body"] for m in history]) is (TABLE[change]["/"] == "ok")


async def test_a_visibility_change_on_one_node_evicts_sockets_on_another(tmp_path: Path) -> None:
    with cluster(tmp_path, nodes=2) as (nodes, _):
        host_id, mia_id = user_id("host"), user_id("mia")
        host = SalonClient(nodes[0].url, token=nodes[0].token(host_id))
        mia = SalonClient(nodes[1].url, token=nodes[1].token(mia_id), reconnection=False)
        await host.connect()
        await mia.connect()
        try:
            room = str((await host.create_room("Public for now"))["id"])
            await host.join(room)
            await mia.join(room)
            doc = await DocumentClient(
                nodes[1].url, room, "notes", token=nodes[1].token(mia_id)
            ).connect()
            await host.request("PATCH", f"/api/v1/rooms/{room}", {"visibility": "invite-only"})
            removed = await mia.wait_for("room:removed", include_past=True)
            assert removed["code"] == "not_member"
            await eventually(lambda: not doc.sio.namespaces)
            assert await outcome(mia.send_chat(room, "still here?")) == "not_member"
            await host.send_chat(room, "members only now")
            await asyncio.sleep(0.5)
            assert "members only now" not in [m["body"] for m in mia.events["chat:message"]]
            await doc.close()
        finally:
            await mia.close()
            await host.close()
