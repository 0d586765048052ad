"""Real server processes: graceful restart keeps every document; kill -9 loses nothing typed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from salon_client.document import DocumentClient

from tests.docs.server import Api, ServerProcess, eventually

pytestmark = pytest.mark.slow


async def type_chars(live: DocumentClient, char: str, count: int, pause: float = 0.005) -> None:
    text = live.text()
    for i in range(count):
        text.insert((i * 7) % (len(text) + 1), char)
        await asyncio.sleep(pause)


def server_text(api: Api, room: str, name: str = "notes") -> str:
    r = api.call("GET", f"/rooms/{room}/documents/{name}/content")
    assert r.status_code == 200, r.text
    return str(r.text)


@pytest.fixture
def durable_server(tmp_path: Path, backend_url: str | None) -> ServerProcess:
    # Small snapshot interval: reloads go through snapshot + tail, not only the log. Slow
    # commits: a kill -9 surely loses a batch on the server, which the clients must restore.
    env = {"doc_snapshot_every": 20, "write_batch_ms": 250}
    return ServerProcess(tmp_path / "data", backend_url, **env).start()


async def test_restart_brings_documents_back_equal(durable_server: ServerProcess) -> None:
    server = durable_server
    host = Api(server.url, "host")
    room = host.create_room()
    live = await DocumentClient(server.url, room, "notes", token=host.token).connect()
    other = await DocumentClient(server.url, room, "other", token=host.token).connect()
    await asyncio.gather(type_chars(live, "x", 60), type_chars(other, "y", 30))
    live.text().format(0, 5, {"bold": True})
    await live.flushed()
    await eventually(lambda: server_text(host, room) == str(live.text()))
    before = live.doc.get_update(), str(live.text()), live.text().diff()
    await live.close()
    await other.close()

    server.restart()
    fresh = await DocumentClient(server.url, room, "notes", token=host.token).connect()
    # byte-for-byte: the full encoded state the server hands out equals what we had
    assert (fresh.doc.get_update(), str(fresh.text()), fresh.text().diff()) == before
    assert server_text(host, room, "other") == "y" * 30
    await fresh.close()
    server.stop()


async def test_kill_9_mid_editing_then_reconnect_loses_nothing(
    durable_server: ServerProcess,
) -> None:
    server = durable_server
    host = Api(server.url, "host")
    room = host.create_room()
    a = await DocumentClient(server.url, room, "notes", token=host.token).connect()
    b = await DocumentClient(server.url, room, "notes", token=host.token).connect()

    typing = asyncio.gather(type_chars(a, "a", 150, 0.01), type_chars(b, "b", 150, 0.01))
    await asyncio.sleep(0.6)
    server.kill()  # no flush, no goodbye: the last write batch is lost on the server
    await asyncio.sleep(0.3)  # clients keep typing while the server is down
    await asyncio.to_thread(server.start)
    await typing

    await eventually(lambda: a.synced and b.synced, within=20)
    expected = sorted("a" * 150 + "b" * 150)
    await eventually(lambda: sorted(str(a.text())) == expected == sorted(str(b.text())), within=20)
    await eventually(lambda: str(a.text()) == str(b.text()) == server_text(host, room), within=20)
    await a.close()
    await b.close()

    server.restart()  # and what the reconnecting clients sent back is durable too
    assert sorted(server_text(host, room)) == expected
    server.stop()
