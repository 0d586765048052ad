"""How domain services reach connected clients without knowing the transport."""

from __future__ import annotations

from typing import Any, Protocol


class Notifier(Protocol):
    async def room_event(self, room_id: str, event: str, payload: dict[str, Any]) -> None:
        """Deliver ``event`` to every socket joined to the room, on every node."""

    async def user_event(self, user_id: str, event: str, payload: dict[str, Any]) -> None:
        """Deliver ``event`` to every socket of one user, on every node."""


class NullNotifier:
    """For services used outside a server (CLI, tests of the domain layer)."""

    async def room_event(self, room_id: str, event: str, payload: dict[str, Any]) -> None:
        return None

    async def user_event(self, user_id: str, event: str, payload: dict[str, Any]) -> None:
        return None
