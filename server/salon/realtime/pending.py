"""Engine.IO connections that have not sent a Socket.IO CONNECT yet.

An Engine.IO connection costs the server a socket, a queue and a heartbeat, and until it
connects a namespace it has passed no authentication at all. Each one gets
``SALON_CONNECT_TIMEOUT`` seconds to connect a namespace, and one address may hold at most
``SALON_PENDING_CONNECTIONS_PER_ADDRESS`` of them (Socket.IO's own server has the timeout as
``connectTimeout``; the per-address bound is Salon's).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _Pending:
    address: str
    timer: asyncio.TimerHandle


class PendingConnections:
    def __init__(self, timeout: float, per_address: int) -> None:
        self.timeout = timeout
        self.per_address = per_address
        self.expired = 0  # connections closed for taking too long (count since start)
        self.refused = 0  # connections refused because their address had too many pending
        self._pending: dict[str, _Pending] = {}
        self._by_address: Counter[str] = Counter()

    def admit(self, sid: str, address: str, expire: Callable[[str], None]) -> bool:
        """Start the clock on a new connection; False if its address has too many waiting."""
        if sid in self._pending:
            return True
        if self._by_address[address] >= self.per_address:
            self.refused += 1
            return False
        timer = asyncio.get_running_loop().call_later(self.timeout, self._expire, sid, expire)
        self._pending[sid] = _Pending(address, timer)
        self._by_address[address] += 1
        return True

    def settle(self, sid: str) -> None:
        """The connection connected a namespace (or is gone): it no longer counts."""
        entry = self._pending.pop(sid, None)
        if entry is None:
            return
        entry.timer.cancel()
        self._by_address[entry.address] -= 1
        if self._by_address[entry.address] <= 0:
            del self._by_address[entry.address]

    def waiting(self, address: str) -> int:
        return self._by_address.get(address, 0)

    def _expire(self, sid: str, expire: Callable[[str], None]) -> None:
        if sid in self._pending:
            self.settle(sid)
            self.expired += 1
            expire(sid)
