"""Token buckets shared by every node, in Redis: one Lua script spends from a bucket
atomically (Redis' own clock, so nodes' clocks need not agree). Used for the per-user budgets
of chat, reactions and Q&A (``RateLimiter(store=...)``).

When Redis does not answer within ``TIMEOUT`` the caller falls back to its node's own bucket,
and this store is not asked again for ``BACKOFF`` seconds: a Redis outage costs one timeout
per ``BACKOFF``, never one per message, and a user then gets one budget per node (as before
shared limits) until Redis is back."""

from __future__ import annotations

import asyncio
import logging
import time

import redis.asyncio as aioredis

log = logging.getLogger("salon.bus")

TIMEOUT = 0.25
BACKOFF = 5.0

# KEYS[1] bucket; ARGV rate (tokens/s), burst, cost. Returns the wait in seconds ("0": taken).
TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens = tonumber(state[1]) or burst
local stamp = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - stamp) * rate)
local wait = 0
if tokens < cost then
  if rate > 0 then wait = (cost - tokens) / rate else wait = 60 end
else
  tokens = tokens - cost
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'stamp', tostring(now))
local ttl = 60
if rate > 0 then ttl = math.ceil(burst / rate) + 1 end
redis.call('EXPIRE', KEYS[1], ttl)
return tostring(wait)
"""


class StoreDown(RuntimeError):
    """Redis did not answer recently; the caller counts on its own node."""


class RedisBuckets:
    def __init__(self, redis: aioredis.Redis, prefix: str) -> None:
        self._script = redis.register_script(TAKE)
        self._prefix = prefix + "rl:"
        self._down_until = 0.0
        self.fallbacks = 0  # spends counted on this node because Redis was unreachable

    async def take(self, name: str, key: str, rate: float, burst: float, cost: float) -> float:
        if time.monotonic() < self._down_until:
            self.fallbacks += 1
            raise StoreDown("redis is unreachable")
        try:
            async with asyncio.timeout(TIMEOUT):
                wait = await self._script(
                    keys=[f"{self._prefix}{name}:{key}"], args=[rate, burst, cost]
                )
        except Exception as exc:
            if self._down_until == 0.0:
                log.warning(
                    "shared rate limits unavailable (%s); each node counts its own",
                    type(exc).__name__,
                )
            self._down_until = time.monotonic() + BACKOFF
            self.fallbacks += 1
            raise
        if self._down_until:
            log.warning("shared rate limits are back")
            self._down_until = 0.0
        return float(wait)
