"""python-socketio's pub/sub manager on Salon's bus: room emits reach the other nodes over the
same channel (and Redis connections) as everything else that crosses nodes.

As python-socketio's own backends do, this one implements only ``_publish`` and ``_listen``.
Messages are python-socketio's dicts as JSON (orjson), never pickle: binary arguments arrive
here already split out as base64 attachments by ``AsyncPubSubManager.emit``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson
from socketio.async_pubsub_manager import AsyncPubSubManager

from salon.bus import Bus, BusUnavailable

log = logging.getLogger("salon.realtime")

CHANNEL = "socketio"
INBOX_SIZE = 1000


class BusManager(AsyncPubSubManager):  # type: ignore[misc]
    def __init__(self, bus: Bus, channel: str = CHANNEL, inbox_size: int = INBOX_SIZE) -> None:
        super().__init__(channel=channel, logger=log)
        self.bus = bus
        # Bounded: when this node's listener falls behind, the bus waits instead of piling up.
        self._inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue(inbox_size)
        self._listening = False
        bus.subscribe(channel, self._receive)

    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str | None = None,
        room: str | None = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: str | None = None,
        **kwargs: Any,
    ) -> None:
        # A socket lives on one node: an emit to a socket of this node stays here.
        if self._here(to or room, namespace or "/"):
            kwargs["ignore_queue"] = True
        await super().emit(
            event, data, namespace, room, skip_sid, callback=callback, to=to, **kwargs
        )

    def _here(self, target: str | None, namespace: str) -> bool:
        return target is not None and (
            self.is_connected(target, namespace) or self.is_pre_connected(target, namespace)
        )

    async def _publish(self, data: dict[str, Any]) -> None:
        # As python-socketio's Redis manager: this node's part of the emit is done already,
        # a failed publish is logged (the bus has retried) and the others catch up on rejoin.
        try:
            await self.bus.publish(self.channel, orjson.dumps(data))
        except BusUnavailable:
            return  # the bus warned once for the outage; rejoining clients catch up by seq
        except Exception:
            log.warning(
                "socketio %s did not reach the other nodes", data.get("method"), exc_info=True
            )

    async def _listen(self) -> AsyncIterator[dict[str, Any]]:
        self._listening = True
        while True:
            yield await self._inbox.get()

    async def _receive(self, message: bytes) -> None:
        if not self._listening:
            return  # python-socketio starts listening with the first socket; none to reach yet
        try:
            decoded = orjson.loads(message)
        except orjson.JSONDecodeError:
            log.warning("dropping an undecodable socketio bus message (%d bytes)", len(message))
            return
        if isinstance(decoded, dict):
            await self._inbox.put(decoded)
