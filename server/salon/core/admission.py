"""Who may connect and who may keep sending: token buckets, bans, and the node's policy.

``RateLimiter`` and ``Throttle`` are token buckets keyed by anything hashable. ``Admission``
is the policy both socket kinds ("/" and the document namespaces) apply: connection attempts
per client address, messages per socket, and a ban that closes a flooding socket. Handlers
ask it and act (refuse the connection, answer the error, disconnect); they decide nothing.
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Protocol

from salon.core.config import Settings
from salon.core.errors import SalonError


class BucketStore(Protocol):
    """Token buckets every node shares (Redis, see ``salon.bus.limits``)."""

    async def take(self, name: str, key: str, rate: float, burst: float, cost: float) -> float:
        """Spend ``cost`` tokens of bucket ``name``/``key``: 0 if taken, else the seconds to
        wait. Raises when the store cannot answer (the caller counts on this node instead)."""
        ...


class RateLimiter:
    """A token bucket per key. With a ``store``, ``spend`` draws on buckets all nodes share
    (one budget per user however many nodes their sockets are on), and on this node's own
    buckets while the store is unreachable."""

    def __init__(
        self,
        rate: float,
        burst: int,
        what: str,
        max_keys: int = 100_000,
        store: BucketStore | None = None,
    ) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.what = what
        self._buckets: dict[Hashable, tuple[float, float]] = {}
        self._max_keys = max_keys
        self._store = store

    async def spend(self, key: Hashable, cost: float = 1.0) -> None:
        """``check``, across nodes when a store is configured."""
        if self._store is None:
            self.check(key, cost)
            return
        name = key_text(key)
        try:
            retry = await self._store.take(self.what, name, self.rate, self.burst, cost)
        except Exception:
            self.check(key, cost)  # the store logged the outage; this node's bucket holds
            return
        if retry > 0:
            raise SalonError(
                "rate_limited", f"too many {self.what}; slow down", retry_after=round(retry, 2)
            )

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

    def forget(self, key: Hashable) -> None:
        """Drop a key's bucket (its socket is gone)."""
        self._buckets.pop(key, None)

    def _forget_full_buckets(self, now: float) -> None:
        # A bucket that has refilled carries no information; dropping it keeps memory bounded.
        refill = self.burst / self.rate if self.rate > 0 else 0.0
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < refill}


def key_text(key: Hashable) -> str:
    parts = key if isinstance(key, tuple) else (key,)
    return "|".join(str(part) for part in parts)


class Throttle:
    """A rate limit that bans: a key refused ``strikes`` times within ``window`` seconds is
    refused outright for ``ban`` seconds (Hocuspocus' throttle works the same way)."""

    def __init__(
        self,
        rate: float,
        burst: int,
        what: str,
        strikes: int = 10,
        window: float = 60.0,
        ban: float = 300.0,
    ) -> None:
        self.limiter = RateLimiter(rate, burst, what)
        self.strikes = strikes
        self.window = window
        self.ban = ban
        self._strikes: dict[Hashable, list[float]] = {}
        self._banned: dict[Hashable, float] = {}

    def banned(self, key: Hashable) -> float:
        """Seconds left on a ban, or 0."""
        until = self._banned.get(key)
        if until is None:
            return 0.0
        left = until - time.monotonic()
        if left <= 0:
            del self._banned[key]
            return 0.0
        return left

    def check(self, key: Hashable) -> None:
        left = self.banned(key)
        if left:
            raise SalonError(
                "rate_limited",
                f"too many {self.limiter.what}; temporarily banned",
                retry_after=round(left, 1),
                banned=True,
            )
        try:
            self.limiter.check(key)
        except SalonError:
            self._strike(key)
            raise

    def _strike(self, key: Hashable) -> None:
        now = time.monotonic()
        recent = [t for t in self._strikes.get(key, []) if now - t < self.window]
        recent.append(now)
        if len(recent) >= self.strikes:
            self._banned[key] = now + self.ban
            self._strikes.pop(key, None)
        else:
            self._strikes[key] = recent
        if len(self._strikes) > 100_000:
            self._strikes.clear()


@dataclass(frozen=True, slots=True)
class Refusal:
    """A message that is not admitted: the error to answer, or a socket to close (banned)."""

    error: SalonError
    disconnect: bool


class Admission:
    """The limits of one kind of socket: connection attempts per address (every kind keeps
    its own count, with the same settings) and messages per socket."""

    def __init__(self, connects: Throttle, messages: Throttle) -> None:
        self.connects = connects
        self.messages = messages

    @classmethod
    def for_events(cls, settings: Settings) -> Admission:
        """Salon's own protocol on "/"."""
        messages = Throttle(
            settings.event_rate, settings.event_burst, "events", ban=settings.ban_seconds
        )
        return cls(_connect_throttle(settings), messages)

    @classmethod
    def for_documents(cls, settings: Settings) -> Admission:
        """The y-socket.io document namespaces."""
        messages = Throttle(
            settings.doc_event_rate,
            settings.doc_event_burst,
            "document messages",
            ban=settings.ban_seconds,
        )
        return cls(_connect_throttle(settings), messages)

    def connect(self, address: str) -> None:
        """Count a connection attempt from ``address``; raise ``rate_limited`` if refused."""
        self.connects.check(address)

    def message(self, sid: str) -> Refusal | None:
        """Count one message of socket ``sid``; None if it may go on.

        Over the rate, the message is refused; refused often enough, the socket is banned
        and the next message it sends closes it (its error carries ``banned``).
        """
        try:
            self.messages.check(sid)
        except SalonError as exc:
            return Refusal(exc, disconnect=bool(exc.details.get("banned")))
        return None


def _connect_throttle(settings: Settings) -> Throttle:
    return Throttle(
        settings.connect_rate,
        settings.connect_burst,
        "connection attempts",
        ban=settings.ban_seconds,
    )
