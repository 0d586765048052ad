"""The direct WebSocket write path (salon.realtime.engineio_ws) against real sockets: quiet
sockets stay up, dead ones are dropped, and a reader that stalls gets everything in order."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.support.clients import connected, new_room, user_id
from tests.support.servers import ServerProcess


def metric(server: ServerProcess, name: str) -> float:
    body = httpx.get(f"{server.url}/metrics").text
    match = re.search(rf"^{name} (\S+)$", body, re.MULTILINE)
    assert match, name
    return float(match.group(1))


async def raw_socket(server: ServerProcess) -> ClientConnection:
    """An Engine.IO WebSocket without any client library's reading habits."""
    # max_queue=1: the client stops reading the socket while a message waits for recv().
    return await connect(
        f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket",
        max_queue=1,
        compression=None,
        ping_interval=None,
    )


async def socketio_join(ws: ClientConnection, token: str, room: str) -> None:
    """Engine.IO open, Socket.IO connect on "/", then room:join with an ack."""
    assert str(await ws.recv()).startswith("0")
    await ws.send("40" + json.dumps({"token": token}))
    while not str(await ws.recv()).startswith("40"):
        pass
    await ws.send("421" + json.dumps(["room:join", {"room_id": room}]))
    while True:
        text = str(await ws.recv())
        if text.startswith("2"):
            await ws.send("3")
        if text.startswith("431"):
            assert "error" not in json.loads(text[3:])[0], text
            return


@pytest.mark.parametrize("ws_impl", ["auto", "wsproto"])
async def test_quiet_sockets_outlive_the_heartbeat_window(
    own_server: ServerProcess, ws_impl: str
) -> None:
    # Direct writes leave engine.io's writer without packets; only pings used to keep it
    # from timing out. Quiet sockets must stay connected and keep receiving. With another
    # uvicorn implementation everything takes the queue, and works the same.
    own_server.settings.update(ping_interval=1, ping_timeout=1, ws_impl=ws_impl)
    own_server.start()
    alice, bob = user_id("alice"), user_id("bob")
    async with connected(own_server, alice, bob) as (a, b):
        room = await new_room(a)
        await a.join(room)
        await b.join(room)
        await asyncio.sleep(5)  # several heartbeat windows with nothing sent
        assert a.sio.connected and b.sio.connected
        await a.send_chat(room, "still here")
        got = await b.wait_for(
            "chat:message", lambda m: m["body"] == "still here", include_past=True
        )
        assert got["seq"] == 1
    direct = metric(own_server, "salon_ws_writes_direct")
    assert direct > 0 if ws_impl == "auto" else direct == 0


async def test_a_socket_that_stops_answering_heartbeats_is_closed(
    own_server: ServerProcess,
) -> None:
    own_server.settings.update(ping_interval=1, ping_timeout=1)
    own_server.start()
    ws = await raw_socket(own_server)
    assert str(await ws.recv()).startswith("0")

    async def drain_until_closed() -> None:
        async for _ in ws:  # pings arrive and go unanswered
            pass

    await asyncio.wait_for(drain_until_closed(), timeout=5)
    assert ws.close_code is not None


async def test_a_stalled_reader_gets_every_message_in_order(own_server: ServerProcess) -> None:
    # Big messages to a reader that does not read fill the connection's buffers: the server
    # must switch that socket to its queue (back-pressure) and back, never reordering.
    size = 60_000
    own_server.settings.update(
        chat_max_length=size, max_payload_bytes=size * 2, chat_rate=1000, chat_burst=1000
    )
    own_server.start()
    alice, reader = user_id("alice"), user_id("reader")
    async with connected(own_server, alice) as (a,):
        room = await new_room(a)
        await a.join(room)
        ws = await raw_socket(own_server)
        await socketio_join(ws, own_server.token(reader), room)
        queued_before = metric(own_server, "salon_ws_packets_queued")
        count = 100
        for i in range(count):
            await a.send_chat(room, f"{i:05d}" + "x" * (size - 5))
        assert metric(own_server, "salon_ws_packets_queued") > queued_before

        seqs: list[int] = []

        async def read_all() -> None:
            async for message in ws:
                text = str(message)
                if text.startswith("2"):
                    await ws.send("3")
                elif text.startswith('42["chat:message"'):
                    payload: Any = json.loads(text[2:])[1]
                    assert payload["body"].startswith(f"{len(seqs):05d}")
                    seqs.append(payload["seq"])
                    if len(seqs) == count + 1:
                        return

        reading = asyncio.create_task(read_all())
        await asyncio.sleep(0.5)  # the backlog drains; the next message goes out directly
        await a.send_chat(room, f"{count:05d} after the backlog")
        try:
            await asyncio.wait_for(reading, timeout=30)
        except TimeoutError:
            raise AssertionError(f"got {len(seqs)} messages, up to {seqs[-1:]}") from None
        assert seqs == list(range(1, count + 2))
        await ws.close()
