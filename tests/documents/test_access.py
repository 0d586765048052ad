"""Who may open and change a document: roles of the room apply to the y-socket.io namespace."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import socketio

from salon.core.auth import mint_token
from salon_client.document import DocumentClient
from tests.documents.helpers import Api, eventually
from tests.support.servers import ServerProcess


async def test_viewer_gets_live_updates_but_cannot_change(server: ServerProcess, host: Api) -> None:
    room = host.create_room()
    host.grant(room, "vera", "viewer")
    editor = await DocumentClient(server.url, room, "notes", token=host.token).connect()
    editor.text().insert(0, "by the host")
    viewer = await DocumentClient(server.url, room, "notes", token=server.token("vera")).connect()
    await eventually(lambda: str(viewer.text()) == "by the host")

    viewer.text().insert(0, "vandalism ")
    await eventually(lambda: any(e["code"] == "forbidden" for e in viewer.errors))
    editor.text().insert(len(editor.text()), "!")
    await eventually(lambda: str(viewer.text()).endswith("!"))
    await asyncio.sleep(0.2)
    assert str(editor.text()) == "by the host!"
    await viewer.close()
    await editor.close()
    r = host.call("GET", f"/rooms/{room}/documents/notes/content")
    assert r.text == "by the host!"


async def test_viewer_cannot_create_a_document_by_connecting(
    server: ServerProcess, host: Api
) -> None:
    room = host.create_room()
    host.grant(room, "vera", "viewer")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await DocumentClient(server.url, room, "nothing-here", token=server.token("vera")).connect(
            3
        )


@pytest.mark.parametrize("bad_token", ["not-a-jwt", mint_token("wrong-secret" * 4, "x", "X")])
async def test_unauthenticated_cannot_open(
    server: ServerProcess, host: Api, bad_token: str
) -> None:
    room = host.create_room()
    with pytest.raises(socketio.exceptions.ConnectionError):
        await DocumentClient(server.url, room, "notes", token=bad_token).connect(3)


async def test_foreign_room_cannot_open(server: ServerProcess, host: Api) -> None:
    room = host.create_room(visibility="invite-only")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await DocumentClient(server.url, room, "notes", token=server.token("stranger")).connect(3)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await DocumentClient(server.url, "no-such-room", "notes", token=host.token).connect(3)


async def test_removed_member_is_disconnected(server: ServerProcess, host: Api) -> None:
    room = host.create_room()
    host.grant(room, "pat", "participant")
    pat = await DocumentClient(server.url, room, "notes", token=server.token("pat")).connect()
    r = host.call("DELETE", f"/rooms/{room}/members/pat")
    assert r.status_code == 200, r.text
    await eventually(lambda: not pat.sio.namespaces)
    await pat.close()


async def test_demoted_member_can_no_longer_edit(server: ServerProcess, host: Api) -> None:
    room = host.create_room()
    host.grant(room, "pat", "participant")
    pat = await DocumentClient(server.url, room, "notes", token=server.token("pat")).connect()
    host.grant(room, "pat", "viewer")
    # The role change reaches the document socket over the bus; keep trying until it has.
    for _ in range(50):
        pat.text().insert(0, "x")
        await asyncio.sleep(0.1)
        if any(e["code"] == "forbidden" for e in pat.errors):
            break
    assert any(e["code"] == "forbidden" for e in pat.errors)
    await pat.close()


async def test_archived_room_documents_are_read_only(server: ServerProcess, host: Api) -> None:
    room = host.create_room()
    live = await DocumentClient(server.url, room, "notes", token=host.token).connect()
    live.text().insert(0, "final notes")
    await live.flushed()
    await eventually(lambda: host.text(room) == "final notes")
    await live.close()
    assert host.call("POST", f"/rooms/{room}/archive").status_code == 200

    reader = await DocumentClient(server.url, room, "notes", token=host.token).connect()
    assert str(reader.text()) == "final notes"
    reader.text().insert(0, "too late: ")
    await eventually(lambda: any(e["code"] == "forbidden" for e in reader.errors))
    await reader.close()
    assert host.text(room) == "final notes"
    r = host.call("POST", f"/rooms/{room}/documents", json={"name": "more"})
    assert r.json()["error"]["code"] == "room_archived"


async def test_refusal_carries_the_error_code(server: ServerProcess, host: Api) -> None:
    room = host.create_room()
    ns = f"/yjs|{room}/notes"
    refused: list[Any] = []
    raw = socketio.AsyncClient(reconnection=False)
    raw.on("connect_error", refused.append, namespace=ns)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await raw.connect(
            server.url, namespaces=[ns], auth={"token": "bad"}, transports=["websocket"],
            wait_timeout=3,
        )  # fmt: skip
    assert refused, "no connect_error"
    assert refused[0]["data"] == {"code": "unauthenticated", "message": "the token is not valid"}
