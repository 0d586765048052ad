"""A socket that stops reading while its document fans out: the server holds at most
SALON_MAX_OUTGOING_BYTES for it, then disconnects it (slow_reader), and the room's other
readers keep receiving everything. bench/slow_reader.py is the 300 MiB version."""

from __future__ import annotations

import asyncio
import re

import httpx
from websockets.asyncio.client import connect

from salon_client.document import DocumentClient
from tests.documents.helpers import Api
from tests.support.clients import user_id
from tests.support.fanout import StalledReader, fan_out, rss_bytes, wait_for
from tests.support.servers import ServerProcess

MiB = 1024 * 1024


def metric(server: ServerProcess, name: str) -> float:
    body = httpx.get(f"{server.url}/metrics").text
    match = re.search(rf"^{name} (\S+)$", body, re.MULTILINE)
    assert match, name
    return float(match.group(1))


async def open_room(server: ServerProcess) -> tuple[str, str, DocumentClient, DocumentClient]:
    """A room whose notes have an editor and a reader; and a viewer's token for the stalled
    socket."""
    host = Api(server, user_id("host"))
    room = host.create_room()
    bob, carol = user_id("bob"), user_id("carol")
    host.grant(room, bob, "participant")
    host.grant(room, carol, "viewer")
    editor = await DocumentClient(server.url, room, "notes", token=host.token).connect()
    reader = await DocumentClient(server.url, room, "notes", token=server.token(bob)).connect()
    return room, server.token(carol), editor, reader


async def test_a_reader_that_stops_reading_is_disconnected_and_memory_stays_bounded(
    own_server: ServerProcess,
) -> None:
    own_server.settings.update(max_outgoing_bytes=MiB, ping_interval=2, ping_timeout=5)
    own_server.start()
    assert own_server.proc is not None
    pid = own_server.proc.pid
    room, viewer, editor, reader = await open_room(own_server)
    stalled = await StalledReader.open(own_server.port, f"/yjs|{room}/notes", viewer, heartbeats=1)
    try:
        await fan_out(editor, [reader], 4 * MiB)  # warm-up: allocator and log reach their size
        before = rss_bytes(pid)
        await fan_out(editor, [reader], 64 * MiB)
        grown = rss_bytes(pid) - before
        # Unbounded, the server kept all 64 MiB for the stalled socket.
        assert grown < 24 * MiB, f"RSS grew by {grown / MiB:.1f} MiB"
        assert metric(own_server, "salon_ws_slow_reader_disconnects") == 1
        assert stalled.sent_pongs > 0  # it looked alive all along
        assert "slow reader" in own_server.log()
        # The honest reader is still connected and up to date.
        editor.text().insert(0, "after")
        await wait_for(lambda: str(reader.text()) == "after", within=30)
        assert reader.sio.connected and not reader.errors
    finally:
        await stalled.close()
        await editor.close()
        await reader.close()


async def test_a_silent_stalled_reader_does_not_hold_up_the_room(
    own_server: ServerProcess,
) -> None:
    # The reader stops reading, its buffers fill, then it stops answering heartbeats too.
    # Closing it used to wait for its connection to take a close packet, inside the room's
    # broadcast: every other reader of the room stopped receiving.
    own_server.settings.update(ping_interval=1, ping_timeout=1)
    own_server.start()
    room, viewer, editor, reader = await open_room(own_server)
    stalled = await StalledReader.open(
        own_server.port, f"/yjs|{room}/notes", viewer, heartbeats=0.3
    )
    try:
        await fan_out(editor, [reader], 12 * MiB)  # fills the stalled socket's buffers
        await stalled.stop_heartbeats()
        await asyncio.sleep(3)  # its heartbeat runs out
        await fan_out(editor, [reader], 8 * MiB)
        assert reader.sio.connected and not reader.errors
        # The heartbeat monitor goes on checking everyone else: it used to hang on that close.
        other = await connect(
            f"ws://127.0.0.1:{own_server.port}/socket.io/?EIO=4&transport=websocket",
            ping_interval=None,
        )

        async def drain_until_closed() -> None:
            async for _ in other:  # pings arrive and go unanswered
                pass

        await asyncio.wait_for(drain_until_closed(), timeout=15)
        assert metric(own_server, "salon_ws_heartbeat_timeouts") == 2
        assert metric(own_server, "salon_ws_slow_reader_disconnects") == 0
    finally:
        await stalled.close()
        await editor.close()
        await reader.close()
