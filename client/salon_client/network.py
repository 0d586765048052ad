"""Follows, the "For you" feed and the notifications inbox for SalonClient (mixed into it)."""

from __future__ import annotations

from typing import Any

from salon_client.calls import CallsServer


class NetworkMixin(CallsServer):
    """The learning network over SalonClient's call."""

    # The highest inbox id this client has seen: ``inbox_catch_up`` asks for what came after.
    inbox_after: int = 0

    async def follow(self, kind: str, target: str) -> dict[str, Any]:
        return await self.call("follow:add", {"kind": kind, "target": target})

    async def unfollow(self, kind: str, target: str) -> bool:
        reply = await self.call("follow:remove", {"kind": kind, "target": target})
        return bool(reply["removed"])

    async def network_profile(self, user_id: str) -> dict[str, Any]:
        return (await self.call("network:profile", {"user_id": user_id}))["network"]  # type: ignore[no-any-return]

    async def feed(self, before: int | None = None, limit: int = 20) -> dict[str, Any]:
        payload: dict[str, Any] = {"limit": limit}
        if before is not None:
            payload["before"] = before
        return await self.call("feed:page", payload)

    async def inbox(self, **params: Any) -> dict[str, Any]:
        return await self.call("inbox:page", params)

    async def inbox_catch_up(self) -> list[dict[str, Any]]:
        """Every note since the last one this client saw (after a reconnect), oldest first."""
        notes: list[dict[str, Any]] = []
        while True:
            page = await self.call("inbox:sync", {"after": self.inbox_after})
            notes.extend(page["notifications"])
            self.inbox_after = max(self.inbox_after, int(page["next_after"]))
            if not page["more"]:
                return notes

    def saw_notification(self, note: dict[str, Any]) -> None:
        self.inbox_after = max(self.inbox_after, int(note["id"]))

    async def mark_read(self, ids: list[int] | None = None) -> int:
        if ids is None:
            return int((await self.call("inbox:read_all", {}))["marked"])
        return int((await self.call("inbox:read", {"ids": ids}))["marked"])

    async def inbox_preferences(self, **changes: bool) -> dict[str, bool]:
        if changes:
            reply = await self.call("inbox:preferences:set", {"preferences": changes})
        else:
            reply = await self.call("inbox:preferences", {})
        return dict(reply["preferences"])
