"""Redis pub/sub bus: one pattern subscription per node, re-established after Redis returns."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub

from salon.bus.base import Bus

log = logging.getLogger("salon.bus")
PREFIX = "salon:"


class RedisBus(Bus):
    def __init__(self, url: str, node_id: str) -> None:
        super().__init__(node_id)
        self._redis = aioredis.from_url(url, socket_connect_timeout=2.0, health_check_interval=10)
        self._task: asyncio.Task[None] | None = None
        self._pubsub: PubSub | None = None
        self.connected = False
        self.last_message_at = 0.0

    async def publish(self, channel: str, message: bytes) -> None:
        await self._redis.publish(PREFIX + channel, message)

    async def start(self) -> None:
        try:
            await self._subscribe()
        except Exception:
            log.warning("redis is not reachable yet; the bus will keep trying", exc_info=True)
        self._task = asyncio.create_task(self._listen(), name="redis-bus")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._close_pubsub()
        await self._redis.aclose()

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except Exception:
            return False

    async def _subscribe(self) -> None:
        pubsub = self._redis.pubsub()
        await pubsub.psubscribe(PREFIX + "*")
        self._pubsub = pubsub
        self.connected = True

    async def _close_pubsub(self) -> None:
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()  # type: ignore[no-untyped-call]
            self._pubsub = None
        self.connected = False

    async def _listen(self) -> None:
        while True:
            try:
                if self._pubsub is None:
                    await self._subscribe()
                    log.info("redis bus connected again")
                    await self.reconnected()
                await self._pump()
            except asyncio.CancelledError:
                raise
            except Exception:
                if self.connected:
                    log.warning("redis bus connection lost; retrying", exc_info=True)
                await self._close_pubsub()
                await asyncio.sleep(0.5)

    async def _pump(self) -> None:
        assert self._pubsub is not None
        async for item in self._pubsub.listen():
            if item.get("type") != "pmessage":
                continue
            self.last_message_at = time.time()
            channel = item["channel"].decode()[len(PREFIX) :]
            await self.dispatch(channel, item["data"])
