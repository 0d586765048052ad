"""Two SDK clients and a real server: edits converge and reach the server's copy."""

from __future__ import annotations

import httpx

from salon_client.document import DocumentClient
from tests.documents.helpers import Api, eventually
from tests.support.servers import ServerProcess


async def test_two_clients_converge(server: ServerProcess, host: Api) -> None:
    room = host.create_room()
    host.grant(room, "bob", "participant")
    a = await DocumentClient(server.url, room, "notes", token=host.token).connect()
    b = await DocumentClient(server.url, room, "notes", token=server.token("bob")).connect()
    a.text().insert(0, "hello ")
    b.text().insert(0, "world ")
    await eventually(lambda: str(a.text()) == str(b.text()) and len(str(a.text())) == 12)
    await a.close()
    await b.close()
    r = host.call("GET", f"/rooms/{room}/documents/notes/content")
    assert r.status_code == 200, r.text
    assert r.text == str(a.text())


async def test_document_metrics(server: ServerProcess, host: Api) -> None:
    room = host.create_room()
    live = await DocumentClient(server.url, room, "metrics", token=host.token).connect()
    live.text().insert(0, "counted")
    await live.flushed()
    await eventually(lambda: host.text(room, "metrics") == "counted")
    body = httpx.get(server.url + "/metrics").text
    assert "salon_documents_loaded" in body
    assert "salon_document_updates_total" in body
    assert 'salon_events_total{event="sync-update"}' in body
    await live.close()
