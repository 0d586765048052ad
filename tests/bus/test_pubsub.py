"""python-socketio's pub/sub manager on the bus: two in-process nodes on one real Redis, real
Socket.IO clients. Room emits (binary ones too) reach both nodes; the wire is JSON."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import orjson
import socketio
import uvicorn

from salon.bus import MemoryBus
from salon.bus.redis import RedisBus
from salon.core.config import Settings
from salon.realtime.hub import LocalDelivery, SharedDelivery, create_server
from salon.realtime.pubsub import CHANNEL
from tests.bus.helpers import eventually
from tests.support.cluster import RedisProcess
from tests.support.servers import free_port


@asynccontextmanager
async def node(url: str, node_id: str) -> AsyncIterator[tuple[socketio.AsyncServer, str]]:
    bus = RedisBus(url, node_id)
    await bus.start()
    sio = create_server(Settings(), bus)

    async def join(sid: str, room: str) -> bool:
        await sio.enter_room(sid, room)
        return True

    sio.on("join", join)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(socketio.ASGIApp(sio), port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    await eventually(lambda: server.started)
    try:
        yield sio, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        await bus.stop()


@asynccontextmanager
async def member(url: str, room: str) -> AsyncIterator[dict[str, list[Any]]]:
    heard: dict[str, list[Any]] = {}
    client = socketio.AsyncClient()

    @client.on("*")
    async def keep(event: str, data: Any) -> None:
        heard.setdefault(event, []).append(data)

    await client.connect(url, transports=["websocket"])
    assert await client.call("join", room)
    try:
        yield heard
    finally:
        await client.disconnect()


def test_an_unshared_bus_gets_plain_local_delivery() -> None:
    sio = create_server(Settings(), MemoryBus("solo"))
    assert type(sio.manager) is LocalDelivery


async def test_room_emits_reach_both_nodes_and_binary_survives(broker: RedisProcess) -> None:
    wire: list[bytes] = []
    observer = RedisBus(broker.url, "observer")

    async def keep(message: bytes) -> None:
        wire.append(message)

    observer.subscribe(CHANNEL, keep)
    await observer.start()
    async with AsyncExitStack() as stack:
        stack.push_async_callback(observer.stop)
        sio_a, url_a = await stack.enter_async_context(node(broker.url, "a"))
        _, url_b = await stack.enter_async_context(node(broker.url, "b"))
        assert isinstance(sio_a.manager, SharedDelivery)
        here = await stack.enter_async_context(member(url_a, "r"))
        there = await stack.enter_async_context(member(url_b, "r"))
        elsewhere = await stack.enter_async_context(member(url_b, "other"))

        payload = {"text": "hé", "blob": b"\x00\xff\x80binary", "n": [1, 2.5, None]}
        await sio_a.emit("chat", {"text": "plain"}, room="r")
        await sio_a.emit("blob", payload, room="r")
        for heard in (here, there):
            await eventually(lambda h=heard: len(h.get("blob", [])) == 1)
            assert heard["chat"] == [{"text": "plain"}]
            assert heard["blob"] == [payload]
        await asyncio.sleep(0.1)
        assert elsewhere == {}

    messages = [orjson.loads(m) for m in wire]  # JSON on the wire, never pickle
    emits = [m for m in messages if m["method"] == "emit"]
    assert [m["event"] for m in emits] == ["chat", "blob"]
    assert emits[1]["binary"] is True


async def test_an_emit_to_a_socket_of_this_node_stays_here(broker: RedisProcess) -> None:
    wire: list[bytes] = []
    observer = RedisBus(broker.url, "observer")

    async def keep(message: bytes) -> None:
        wire.append(message)

    observer.subscribe(CHANNEL, keep)
    await observer.start()
    async with AsyncExitStack() as stack:
        stack.push_async_callback(observer.stop)
        sio, url = await stack.enter_async_context(node(broker.url, "a"))
        heard = await stack.enter_async_context(member(url, "r"))
        sid = next(iter(sio.manager.rooms["/"]["r"]))
        await sio.emit("direct", {"to": "you"}, to=sid)
        await sio.emit("room", {"to": "all"}, room="r")
        await eventually(lambda: "room" in heard and len(wire) == 1)
        assert heard["direct"] == [{"to": "you"}]
    assert orjson.loads(wire[0])["event"] == "room"
