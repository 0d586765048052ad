"""Redis pub/sub bus: every cross-node message of a node (Salon's channels and python-socketio's
room emits) over one connection pool, one retry policy and one readiness check.

A node holds exactly ``CONNECTIONS`` connections, all named ``salon:<node id>``: one subscribed
to ``<prefix>:*`` (``SALON_REDIS_PREFIX``, default ``salon``), one for commands (pipelined
publishes, pings)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError

from salon.bus.base import Bus, BusUnavailable
from salon.bus.limits import RedisBuckets
from salon.bus.publisher import Publisher

log = logging.getLogger("salon.bus")
CONNECTIONS = 2  # the subscriber and the command connection
RETRIES = 3
PING_TIMEOUT = 1.0


def backoff() -> ExponentialBackoff:
    """0.1, 0.2, 0.4 … s, at most 2 s: for commands (retried ``RETRIES`` times) and for the
    subscriber coming back after an outage (retried for ever)."""
    return ExponentialBackoff(cap=2.0, base=0.05)


def retry_policy() -> Retry:
    # Only errors where the command cannot have reached Redis (BusyLoadingError, Redis replaying
    # its data after a restart, is one). A timed-out PUBLISH may have gone out: retrying it
    # could deliver it twice.
    return Retry(backoff(), RETRIES, supported_errors=(ConnectionError,))


def connection_pool(url: str, node_id: str) -> aioredis.BlockingConnectionPool:
    """Blocking: a caller waits for one of the node's connections instead of opening more."""
    return aioredis.BlockingConnectionPool.from_url(
        url,
        max_connections=CONNECTIONS,
        timeout=5.0,
        client_name=client_name(node_id),
        retry=retry_policy(),
        socket_connect_timeout=2.0,
        socket_keepalive=True,
        health_check_interval=10,
    )


def client_name(node_id: str) -> str:
    """What ``CLIENT LIST`` shows for this node's connections."""
    return f"salon:{node_id}"


class RedisBus(Bus):
    name = "redis"

    def __init__(self, url: str, node_id: str, prefix: str = "salon") -> None:
        super().__init__(node_id)
        self.prefix = prefix + ":"
        self._outage = False  # warned about, not yet back
        self._redis = aioredis.Redis(connection_pool=connection_pool(url, node_id))
        self._publisher = Publisher(self._redis)
        self._buckets = RedisBuckets(self._redis, self.prefix)
        self._task: asyncio.Task[None] | None = None
        self._pubsub: PubSub | None = None
        self._backoff = backoff()
        # Every subscription confirmed after the first one, and the first one too when start
        # could not subscribe, follows a time without a subscriber: the reconnect hooks run.
        self._resubscribing = False
        self.connected = False
        self.last_message_at = 0.0

    @property
    def shared(self) -> bool:
        return True

    def bucket_store(self) -> RedisBuckets:
        return self._buckets

    async def publish(self, channel: str, message: bytes) -> None:
        try:
            await self._publisher.publish(self.prefix + channel, message)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self._down(f"publish: {type(error).__name__}: {error}")
            raise BusUnavailable(type(error).__name__) from error
        self._up()

    def _down(self, why: str) -> None:
        """One warning per outage, whichever connection notices first."""
        if not self._outage:
            self._outage = True
            log.warning("redis bus unreachable (%s); each node serves its own clients", why)

    def _up(self) -> None:
        if self._outage:
            self._outage = False
            log.warning("redis bus is back; resynchronising")

    async def start(self) -> None:
        self._publisher.start()
        try:
            await self._subscribe()
        except Exception:
            self._resubscribing = True
            log.warning("redis is not reachable yet; the bus will keep trying", exc_info=True)
        self._task = asyncio.create_task(self._listen(), name="redis-bus")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._close_pubsub()
        await self._publisher.stop()
        await self._redis.aclose()

    async def ping(self) -> bool:
        """Ready when the subscriber is connected and Redis answers now (no retries: a
        balancer's health check wants the answer, not the patience)."""
        if not self.connected:
            return False
        try:
            async with asyncio.timeout(PING_TIMEOUT):
                return bool(await self._redis.ping())
        except Exception:
            return False

    async def _subscribe(self) -> None:
        pubsub = self._redis.pubsub()
        self._pubsub = pubsub
        await pubsub.psubscribe(self.prefix + "*")

    async def _close_pubsub(self) -> None:
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()  # type: ignore[no-untyped-call]
            self._pubsub = None
        self.connected = False

    async def _listen(self) -> None:
        failures = 0
        while True:
            try:
                if self._pubsub is None:
                    await self._subscribe()
                await self._pump()
            except asyncio.CancelledError:
                raise
            except Exception:
                if self.connected:
                    # One line per outage; the listener then retries quietly every <= 2 s.
                    self._down("subscriber connection lost")
                    failures = 0
                await self._close_pubsub()
                failures += 1
                await asyncio.sleep(self._backoff.compute(failures))

    async def _pump(self) -> None:
        assert self._pubsub is not None
        async for item in self._pubsub.listen():
            kind = item.get("type")
            if kind == "pmessage":
                self.last_message_at = time.time()
                channel = item["channel"].decode()[len(self.prefix) :]
                await self.dispatch(channel, item["data"])
            elif kind == "psubscribe":
                await self._subscribed()

    async def _subscribed(self) -> None:
        """Confirmations come after ``start`` and after every reconnection, also those that
        redis-py makes on its own within its retries (it resubscribes silently)."""
        self.connected = True
        if self._resubscribing:
            self._up()
            await self.reconnected()
        self._resubscribing = True
