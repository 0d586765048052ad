"""The bus interface: channels of opaque byte messages, fan-out to local handlers."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Awaitable, Callable

from salon.core.admission import BucketStore
from salon.core.errors import SalonError

log = logging.getLogger("salon.bus")


class BusUnavailable(SalonError):
    """A publish did not reach the other nodes (the bus has retried and warned once per
    outage). Callers drop it quietly: the reconnect hooks resynchronise what was missed."""

    def __init__(self, detail: str) -> None:
        super().__init__("unavailable", f"the cross-node bus is unreachable ({detail})")


Handler = Callable[[bytes], Awaitable[None]]


class Bus(ABC):
    """Publish bytes on a channel; every node (this one included) hands them to its subscribers.

    Code asks a bus what it can do (``shared``), never which backend it is."""

    #: What the readiness check calls this bus (``/readyz`` reports ``checks[name]``).
    name = "bus"

    def __init__(self, node_id: str) -> None:
        self.node_id = node_id
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self._reconnect_hooks: list[Callable[[], Awaitable[None]]] = []

    def subscribe(self, channel: str, handler: Handler) -> None:
        self._handlers[channel].append(handler)

    def on_reconnect(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Run ``hook`` when the bus is back after an outage (state may have been missed)."""
        self._reconnect_hooks.append(hook)

    async def reconnected(self) -> None:
        for hook in self._reconnect_hooks:
            try:
                await hook()
            except Exception:
                log.exception("bus reconnect hook failed")

    async def dispatch(self, channel: str, message: bytes) -> None:
        for handler in list(self._handlers.get(channel, ())):
            try:
                await handler(message)
            except Exception:
                log.exception("bus handler for %s failed", channel)

    @property
    def shared(self) -> bool:
        """True when other nodes hear what this one publishes. A backend says so; one that
        does not is taken to reach this process only."""
        return False

    def bucket_store(self) -> BucketStore | None:
        """Token buckets shared with the other nodes, if this bus has a place for them."""
        return None

    @abstractmethod
    async def publish(self, channel: str, message: bytes) -> None: ...

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def ping(self) -> bool:
        """Readiness: can this node reach the other nodes right now?"""
        return True
