"""Real server processes: graceful restart keeps every document; kill -9 loses nothing typed."""

from __future__ import annotations

import asyncio

import pytest
from pycrdt import Doc

from salon_client.document import DocumentClient
from tests.documents.helpers import Api, eventually, has_structs
from tests.support.clients import user_id
from tests.support.servers import ServerProcess

pytestmark = pytest.mark.slow


async def type_chars(live: DocumentClient, char: str, count: int, pause: float = 0.005) -> None:
    text = live.text()
    for i in range(count):
        text.insert((i * 7) % (len(text) + 1), char)
        await asyncio.sleep(pause)


async def test_restart_brings_documents_back_equal(durable_server: ServerProcess) -> None:
    server = durable_server
    host = Api(server, user_id("host"))
    room = host.create_room()
    live = await DocumentClient(server.url, room, "notes", token=host.token).connect()
    other = await DocumentClient(server.url, room, "other", token=host.token).connect()
    await asyncio.gather(type_chars(live, "x", 60), type_chars(other, "y", 30))
    live.text().format(0, 5, {"bold": True})
    await live.flushed()
    await eventually(lambda: host.text(room) == str(live.text()))
    before = live.doc.get_state(), str(live.text()), live.text().diff()
    state = live.doc.get_update()
    await live.close()
    await other.close()

    server.stop()
    server.start()
    fresh = await DocumentClient(server.url, room, "notes", token=host.token).connect()
    # The same document: every change (state vector), text and formatting; neither side has
    # anything the other lacks. (Encodings may group runs of characters differently.)
    assert (fresh.doc.get_state(), str(fresh.text()), fresh.text().diff()) == before
    assert not has_structs(fresh.doc.get_update(before[0]))
    check: Doc = Doc()
    check.apply_update(state)
    assert not has_structs(check.get_update(fresh.doc.get_state()))
    assert host.text(room, "other") == "y" * 30
    await fresh.close()
    server.stop()


async def test_kill_9_mid_editing_then_reconnect_loses_nothing(
    durable_server: ServerProcess,
) -> None:
    server = durable_server
    host = Api(server, user_id("host"))
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
    await eventually(lambda: str(a.text()) == str(b.text()) == host.text(room), within=20)
    await a.close()
    await b.close()

    server.stop()  # and what the reconnecting clients sent back is durable too
    server.start()
    assert sorted(host.text(room)) == expected
    server.stop()
