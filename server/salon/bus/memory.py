"""The default bus: one process, no service needed."""

from __future__ import annotations

from salon.bus.base import Bus


class MemoryBus(Bus):
    name = "memory"

    @property
    def shared(self) -> bool:
        return False

    async def publish(self, channel: str, message: bytes) -> None:
        await self.dispatch(channel, message)
