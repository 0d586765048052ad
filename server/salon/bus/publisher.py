"""Publishes of one node share one Redis connection: while one pipeline is in flight the next
one gathers, so the publish rate is not bound by one round trip per message."""

from __future__ import annotations

import asyncio
import contextlib

import redis.asyncio as aioredis

MAX_PENDING = 10_000
Pending = tuple[str, bytes, "asyncio.Future[None]"]


class BusBackedUp(RuntimeError):
    """More publishes are waiting than the bound allows (Redis is slow or gone)."""


class Publisher:
    def __init__(self, redis: aioredis.Redis, max_pending: int = MAX_PENDING) -> None:
        self._redis = redis
        self._max_pending = max_pending
        self._pending: list[Pending] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    async def publish(self, channel: str, message: bytes) -> None:
        """Returns once Redis took the message; raises what the pipeline raised."""
        if self._closing:
            raise RuntimeError("the bus is stopped")
        if len(self._pending) >= self._max_pending:
            raise BusBackedUp(f"{len(self._pending)} bus messages are waiting for Redis")
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((channel, message, done))
        self._wake.set()
        await done

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="redis-bus-publisher")

    async def stop(self, grace: float = 5.0) -> None:
        """Sends what callers are already waiting for (within ``grace``), then stops."""
        if self._task is None:
            return
        self._closing = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for _, _, done in self._take():
            done.cancel()

    def _take(self) -> list[Pending]:
        batch, self._pending = self._pending, []
        return batch

    async def _run(self) -> None:
        while self._pending or not self._closing:
            await self._wake.wait()
            self._wake.clear()
            if self._pending:
                await self._send(self._take())

    async def _send(self, batch: list[Pending]) -> None:
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for channel, message, _ in batch:
                    pipe.publish(channel, message)
                await pipe.execute()
        except asyncio.CancelledError:
            for _, _, done in batch:
                done.cancel()
            raise
        except Exception as exc:
            for _, _, done in batch:
                if not done.done():
                    done.set_exception(exc)
        else:
            for _, _, done in batch:
                if not done.done():
                    done.set_result(None)
