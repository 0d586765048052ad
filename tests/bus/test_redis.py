"""RedisBus on a real redis-server: fan-out, one pool per node, readiness, reconnect hooks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis

from salon.bus import BusUnavailable, MemoryBus, create_bus
from salon.bus.redis import CONNECTIONS, RedisBus
from tests.bus.helpers import connections_of, eventually
from tests.support.cluster import RedisProcess


@pytest.fixture
async def nodes(broker: RedisProcess) -> AsyncIterator[tuple[RedisBus, RedisBus]]:
    a, b = RedisBus(broker.url, "a"), RedisBus(broker.url, "b")
    await a.start()
    await b.start()
    await eventually(lambda: a.connected and b.connected)
    yield a, b
    await a.stop()
    await b.stop()


def test_only_a_redis_bus_is_shared() -> None:
    assert MemoryBus("n").shared is False
    assert create_bus("redis://127.0.0.1:1/0", "n").shared is True


async def test_every_node_hears_every_message_in_order(nodes: tuple[RedisBus, RedisBus]) -> None:
    a = nodes[0]
    heard: dict[str, list[bytes]] = {"a": [], "b": []}
    for bus in nodes:

        async def keep(message: bytes, node: str = bus.node_id) -> None:
            heard[node].append(message)

        bus.subscribe("chat", keep)
    sent = [f"m{i}".encode() for i in range(500)]
    # Concurrent publishes share the node's one command connection, in pipelines.
    await asyncio.gather(*(a.publish("chat", m) for m in sent))
    await eventually(lambda: len(heard["a"]) == len(heard["b"]) == len(sent))
    assert heard["a"] == heard["b"] == sent


async def test_a_node_holds_its_named_connections_only(
    broker: RedisProcess, nodes: tuple[RedisBus, RedisBus]
) -> None:
    a, b = nodes
    await asyncio.gather(*(a.publish("x", b"%d" % i) for i in range(200)), a.ping(), b.ping())
    for node in ("a", "b"):
        assert len(connections_of(broker.port, node)) == CONNECTIONS
    subscribers = [c for c in connections_of(broker.port, "a") if c["cmd"] == "psubscribe"]
    assert len(subscribers) == 1


async def test_outage_fails_readiness_then_runs_reconnect_hooks(
    broker: RedisProcess, nodes: tuple[RedisBus, RedisBus]
) -> None:
    a, b = nodes
    resyncs = 0

    async def resync() -> None:
        nonlocal resyncs
        resyncs += 1

    a.on_reconnect(resync)
    assert await a.ping()
    broker.stop()
    await eventually(lambda: not a.connected)
    assert not await a.ping()
    with pytest.raises(BusUnavailable) as refused:
        await a.publish("chat", b"lost")
    assert refused.value.code == "unavailable"
    assert isinstance(refused.value.__cause__, redis.ConnectionError)
    broker.start()
    await eventually(lambda: resyncs == 1, within=10)
    assert await a.ping()
    heard: list[bytes] = []

    async def keep(message: bytes) -> None:
        heard.append(message)

    b.subscribe("chat", keep)
    await a.publish("chat", b"after")
    await eventually(lambda: heard == [b"after"])
    assert len(connections_of(broker.port, "a")) == CONNECTIONS


async def test_a_dropped_subscriber_connection_also_runs_the_hooks(
    broker: RedisProcess, nodes: tuple[RedisBus, RedisBus]
) -> None:
    # redis-py reconnects and resubscribes on its own within its retries; the hooks must run
    # anyway, since messages published meanwhile were missed.
    a, _ = nodes
    resyncs = 0

    async def resync() -> None:
        nonlocal resyncs
        resyncs += 1

    a.on_reconnect(resync)
    subscriber = next(c for c in connections_of(broker.port, "a") if c["cmd"] == "psubscribe")
    redis.Redis(port=broker.port).client_kill_filter(_id=subscriber["id"])
    await eventually(lambda: resyncs == 1, within=10)
    assert a.connected and await a.ping()


async def test_deployments_with_different_prefixes_share_one_redis_unheard(
    broker: RedisProcess,
) -> None:
    # Pub/sub ignores the database number: only the channel prefix keeps deployments apart.
    ours, theirs = RedisBus(broker.url, "a", "blue"), RedisBus(broker.url, "a2", "green")
    mate = RedisBus(broker.url, "b", "blue")
    heard: dict[str, list[bytes]] = {"theirs": [], "mate": []}
    for name, bus in (("theirs", theirs), ("mate", mate)):
        bus.subscribe("chat", lambda m, name=name: _keep(heard[name], m))
    for bus in (ours, theirs, mate):
        await bus.start()
    try:
        await eventually(lambda: ours.connected and theirs.connected and mate.connected)
        await ours.publish("chat", b"blue only")
        await eventually(lambda: heard["mate"] == [b"blue only"])
        await mate.publish("chat", b"flush")  # ordered after the first on the one Redis
        await eventually(lambda: heard["mate"] == [b"blue only", b"flush"])
        assert heard["theirs"] == []
    finally:
        for bus in (ours, theirs, mate):
            await bus.stop()


async def _keep(into: list[bytes], message: bytes) -> None:
    into.append(message)
