"""Replays of ended sessions for SalonClient (mixed into it)."""

from __future__ import annotations

from typing import Any

from salon_client.calls import CallsServer


class ReplayMixin(CallsServer):
    """Replays over SalonClient's call and request."""

    async def replay_open(
        self,
        session_id: str,
        offset: int = 0,
        speed: float = 1.0,
        skip_silence: bool = False,
        autoplay: bool = True,
        seq: int | None = None,
    ) -> dict[str, Any]:
        """Open a replay; its frames arrive as replay:state / replay:event / replay:doc /
        replay:status / replay:end events carrying the returned ``replay_id``."""
        payload: dict[str, Any] = {
            "session_id": session_id,
            "offset": offset,
            "speed": speed,
            "skip_silence": skip_silence,
            "autoplay": autoplay,
        }
        if seq is not None:
            payload["seq"] = seq
        return await self.call("replay:open", payload)

    async def replay_pause(self, replay_id: str) -> None:
        await self.call("replay:pause", {"replay_id": replay_id})

    async def replay_resume(self, replay_id: str) -> None:
        await self.call("replay:resume", {"replay_id": replay_id})

    async def replay_seek(self, replay_id: str, offset: int) -> dict[str, Any]:
        return await self.call("replay:seek", {"replay_id": replay_id, "offset": offset})

    async def replay_speed(
        self, replay_id: str, speed: float, skip_silence: bool | None = None
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {"replay_id": replay_id, "speed": speed}
        if skip_silence is not None:
            payload["skip_silence"] = skip_silence
        return await self.call("replay:speed", payload)

    async def replay_close(self, replay_id: str) -> None:
        await self.call("replay:close", {"replay_id": replay_id})

    async def replay_state(
        self, session_id: str, t: int | None = None, seq: int | None = None
    ) -> dict[str, Any]:
        """The state at offset ``t`` ms (or at timeline ``seq``), over REST."""
        return await self.request(
            "GET", f"/api/v1/sessions/{session_id}/replay/state", t=t, seq=seq
        )
