"""What the feature mixins of SalonClient need from it: ``call`` and ``request``."""

from __future__ import annotations

from typing import Any


class CallsServer:
    """``call`` (Socket.IO with ack) and ``request`` (REST), implemented by SalonClient."""

    async def call(self, event: str, payload: Any) -> dict[str, Any]:
        raise NotImplementedError

    def follow_session(self, session: dict[str, Any]) -> None:
        """Follow a live session's timeline (salon_client.timeline)."""

    async def request(
        self, method: str, path: str, json: Any = None, **params: Any
    ) -> dict[str, Any]:
        raise NotImplementedError
