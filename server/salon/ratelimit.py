"""Token buckets keyed by anything hashable: a rate, a burst, and a clear error when empty."""

from __future__ import annotations

import time
from collections.abc import Hashable

from salon.errors import SalonError


class RateLimiter:
    def __init__(self, rate: float, burst: int, what: str, max_keys: int = 100_000) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.what = what
        self._buckets: dict[Hashable, tuple[float, float]] = {}
        self._max_keys = max_keys

    def check(self, key: Hashable, cost: float = 1.0) -> None:
        """Spend ``cost`` tokens or raise ``rate_limited`` with the wait in seconds."""
        now = time.monotonic()
        tokens, stamp = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - stamp) * self.rate)
        if tokens < cost:
            retry = (cost - tokens) / self.rate if self.rate > 0 else 60.0
            raise SalonError(
                "rate_limited", f"too many {self.what}; slow down", retry_after=round(retry, 2)
            )
        if len(self._buckets) >= self._max_keys and key not in self._buckets:
            self._forget_full_buckets(now)
        self._buckets[key] = (tokens - cost, now)

    def _forget_full_buckets(self, now: float) -> None:
        # A bucket that has refilled carries no information; dropping it keeps memory bounded.
        refill = self.burst / self.rate if self.rate > 0 else 0.0
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < refill}
