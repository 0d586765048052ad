"""REST: documents of a room (create/list/rename/delete with roles) and their history."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from salon_client.document import DocumentClient
from tests.documents.helpers import Api, eventually
from tests.support.servers import ServerProcess


def test_crud_and_role_rules(server: ServerProcess, host: Api) -> None:
    room = host.create_room()
    pat, vera = Api(server, "pat"), Api(server, "vera")
    host.grant(room, "pat", "participant")
    host.grant(room, "vera", "viewer")
    base = f"/rooms/{room}/documents"

    r = pat.call("POST", base, json={"name": "Session notes"})
    assert r.status_code == 201, r.text
    assert r.json()["document"]["namespace"] == f"/yjs|{room}/Session notes"
    assert (
        pat.call("POST", base, json={"name": "Session notes"}).json()["error"]["code"] == "conflict"
    )
    assert vera.call("POST", base, json={"name": "x"}).status_code == 403
    assert pat.call("POST", base, json={"name": "a/b"}).status_code == 400
    assert Api(server, "stranger").call("GET", base).json()["error"]["code"] == "not_member"

    names = [d["name"] for d in vera.call("GET", base).json()["documents"]]
    assert names == ["Session notes"]

    r = pat.call("PATCH", f"{base}/Session notes", json={"name": "Notes"})
    assert r.status_code == 200 and r.json()["document"]["name"] == "Notes"
    assert vera.call("PATCH", f"{base}/Notes", json={"name": "Mine"}).status_code == 403

    assert pat.call("DELETE", f"{base}/Notes").status_code == 403
    assert host.call("DELETE", f"{base}/Notes").status_code == 200
    assert host.call("GET", base).json()["documents"] == []
    assert host.call("DELETE", f"{base}/Notes").json()["error"]["code"] == "not_found"
    assert host.call("POST", base, json={"name": "Notes"}).status_code == 201  # name is free again


async def test_content_at_a_past_time_is_what_clients_saw(server: ServerProcess, host: Api) -> None:
    room = host.create_room()
    writer = await DocumentClient(server.url, room, "notes", token=host.token).connect()
    reader = await DocumentClient(server.url, room, "notes", token=host.token).connect()
    seen: list[tuple[datetime, str]] = []
    for word in ("alpha", " beta", " gamma"):
        writer.text().insert(len(writer.text()), word)
        expected = str(writer.text())
        await eventually(lambda e=expected: str(reader.text()) == e)  # type: ignore[misc]
        seen.append((datetime.now(UTC), expected))
        await asyncio.sleep(0.1)
    base = f"/rooms/{room}/documents/notes"
    for moment, text in seen:
        r = host.call("GET", f"{base}/content", params={"at": moment.isoformat()})
        assert r.status_code == 200 and r.text == text
    unix_ms = str(int(seen[0][0].timestamp() * 1000))
    assert host.call("GET", f"{base}/content", params={"at": unix_ms}).text == "alpha"
    before = datetime(2000, 1, 1, tzinfo=UTC).isoformat()
    assert host.call("GET", f"{base}/content", params={"at": before}).text == ""

    versions = host.call("GET", f"{base}/versions").json()
    assert versions["ok"] and len(versions["points"]) >= 3

    r = host.call("GET", f"{base}/content", params={"format": "json"})
    assert r.json()["text"] == "alpha beta gamma" and r.json()["delta"]
    assert host.call("GET", f"{base}/content", params={"format": "markdown"}).text == (
        "alpha beta gamma"
    )
    assert host.call("GET", f"{base}/content", params={"format": "pdf"}).status_code == 400

    # restore: a new edit every live client receives, history kept
    r = host.call("POST", f"{base}/restore", json={"at": int(seen[0][0].timestamp() * 1000)})
    assert r.status_code == 200 and r.json()["text"] == "alpha", r.text
    await eventually(lambda: str(reader.text()) == "alpha" == str(writer.text()))
    r = host.call("GET", f"{base}/content", params={"at": seen[2][0].isoformat()})
    assert r.text == "alpha beta gamma"
    await writer.close()
    await reader.close()


def test_viewer_may_read_history_but_not_restore(server: ServerProcess, host: Api) -> None:
    room = host.create_room()
    host.grant(room, "vera", "viewer")
    vera = Api(server, "vera")
    assert host.call("POST", f"/rooms/{room}/documents", json={"name": "n"}).status_code == 201
    base = f"/rooms/{room}/documents/n"
    assert vera.call("GET", f"{base}/versions").status_code == 200
    assert vera.call("GET", f"{base}/content").status_code == 200
    r = vera.call("POST", f"{base}/restore", json={"at": int(time.time() * 1000)})
    assert r.status_code == 403
    assert host.call("GET", f"{base}/content", params={"at": "soon"}).status_code == 400
