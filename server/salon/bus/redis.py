"""Redis pub/sub bus: every node subscribes to the channels it has handlers for."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import redis.asyncio as aioredis

from salon.bus.base import Bus

log = logging.getLogger("salon.bus")
PREFIX = "salon:"


class RedisBus(Bus):
    def __init__(self, url: str, node_id: str) -> None:
        super().__init__(node_id)
        self._redis = aioredis.from_url(url)
        self._task: asyncio.Task[None] | None = None

    async def publish(self, channel: str, message: bytes) -> None:
        await self._redis.publish(PREFIX + channel, message)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="redis-bus")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._redis.aclose()

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except Exception:
            return False

    async def _listen(self) -> None:
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.psubscribe(PREFIX + "*")
                    async for item in pubsub.listen():
                        if item.get("type") != "pmessage":
                            continue
                        channel = item["channel"].decode()[len(PREFIX) :]
                        await self.dispatch(channel, item["data"])
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("redis bus connection lost; retrying", exc_info=True)
                await asyncio.sleep(1.0)
