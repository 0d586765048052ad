"""Engine.IO connections that never send a Socket.IO CONNECT: closed after
SALON_CONNECT_TIMEOUT, and at most SALON_PENDING_CONNECTIONS_PER_ADDRESS of them per address."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from tests.realtime.test_slow_reader import metric
from tests.support.clients import user_id
from tests.support.servers import ServerProcess


async def engineio_only(server: ServerProcess) -> ClientConnection:
    ws = await connect(
        f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket", ping_interval=None
    )
    assert str(await ws.recv()).startswith("0")
    return ws


async def closed_by_server(ws: ClientConnection, within: float = 15.0) -> None:
    async def drain() -> None:
        async for message in ws:
            if str(message) == "2":
                await ws.send("3")  # it answers heartbeats: only the missing CONNECT counts

    await asyncio.wait_for(drain(), within)


async def socketio_connect(ws: ClientConnection, token: str) -> None:
    await ws.send("40" + json.dumps({"token": token}))
    while not str(await ws.recv()).startswith("40"):
        pass


async def test_a_connection_without_socketio_connect_is_closed(own_server: ServerProcess) -> None:
    own_server.settings.update(connect_timeout=1)
    own_server.start()
    silent = await engineio_only(own_server)
    connected = await engineio_only(own_server)
    await socketio_connect(connected, own_server.token(user_id("alice")))
    await closed_by_server(silent)
    assert silent.close_code is not None
    assert metric(own_server, "salon_connect_timeouts") == 1
    # The one that connected in time stays, long past the timeout.
    await asyncio.sleep(2)
    await connected.send("421" + json.dumps(["room:list", {}]))
    while not str(answer := await connected.recv()).startswith("431"):
        pass
    assert "error" not in str(answer) or "unknown_event" in str(answer)
    await connected.close()


async def test_a_connection_that_leaves_its_last_namespace_is_timed_again(
    own_server: ServerProcess,
) -> None:
    own_server.settings.update(connect_timeout=1)
    own_server.start()
    ws = await engineio_only(own_server)
    await socketio_connect(ws, own_server.token(user_id("alice")))
    await asyncio.sleep(1.5)  # past the timeout while connected: it stays
    await ws.send("41")  # Socket.IO DISCONNECT of "/": the Engine.IO connection stays open
    await closed_by_server(ws)
    assert metric(own_server, "salon_connect_timeouts") == 1


async def test_pending_connections_per_address_are_bounded(own_server: ServerProcess) -> None:
    own_server.settings.update(pending_connections_per_address=3, connect_timeout=30)
    own_server.start()
    waiting = [await engineio_only(own_server) for _ in range(3)]
    with pytest.raises(InvalidStatus):
        await engineio_only(own_server)
    assert metric(own_server, "salon_pending_connections_refused") == 1
    # One connects a namespace: it no longer counts, so another may open.
    await socketio_connect(waiting[0], own_server.token(user_id("alice")))
    waiting.append(await engineio_only(own_server))
    for ws in waiting:
        await ws.close()
