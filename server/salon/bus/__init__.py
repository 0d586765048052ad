"""Cross-node messages: an in-process bus by default, Redis pub/sub when configured.

Backends implement only publish and the listener plumbing; subscribers get raw bytes.
"""

from __future__ import annotations

from salon.bus.base import Bus, BusUnavailable, Handler
from salon.bus.memory import MemoryBus


def create_bus(redis_url: str | None, node_id: str, prefix: str = "salon") -> Bus:
    """``prefix`` names this deployment's channels, so deployments sharing one Redis (pub/sub
    ignores the database number) never hear each other."""
    if redis_url:
        from salon.bus.redis import RedisBus

        return RedisBus(redis_url, node_id, prefix)
    return MemoryBus(node_id)


__all__ = ["Bus", "BusUnavailable", "Handler", "MemoryBus", "create_bus"]
