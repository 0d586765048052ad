"""Sessions, Q&A, search, recognition and exports for SalonClient (mixed into it)."""

from __future__ import annotations

from typing import Any

import aiohttp

from salon_client.calls import CallsServer


class SessionsMixin(CallsServer):
    """Sessions, Q&A, search, recognition and exports over SalonClient's call and request."""

    url: str
    token: str | None

    # -- sessions --------------------------------------------------------------------------

    async def schedule_session(self, room_id: str, title: str, **fields: Any) -> dict[str, Any]:
        reply = await self.call("session:schedule", {"room_id": room_id, "title": title, **fields})
        return dict(reply["session"])

    async def update_session(self, session_id: str, **fields: Any) -> dict[str, Any]:
        reply = await self.call("session:update", {"session_id": session_id, **fields})
        return dict(reply["session"])

    async def start_session(self, session_id: str) -> dict[str, Any]:
        session = dict((await self.call("session:start", {"session_id": session_id}))["session"])
        self.follow_session(session)
        return session

    async def end_session(self, session_id: str) -> dict[str, Any]:
        return dict((await self.call("session:end", {"session_id": session_id}))["session"])

    async def get_session(self, session_id: str) -> dict[str, Any]:
        return dict((await self.call("session:get", {"session_id": session_id}))["session"])

    async def current_session(self, room_id: str) -> dict[str, Any]:
        """``{"session": live session or None, "questions": [...]}`` for a room; the client
        follows the live session's timeline from here (salon_client.timeline)."""
        current = await self.call("session:current", {"room_id": room_id})
        if current.get("session"):
            self.follow_session(current["session"])
        return current

    async def sessions_in(self, room_id: str) -> list[dict[str, Any]]:
        return list((await self.call("session:list", {"room_id": room_id}))["sessions"])

    async def timeline(self, session_id: str, after: int = 0, limit: int = 200) -> dict[str, Any]:
        payload = {"session_id": session_id, "after": after, "limit": limit}
        return await self.call("session:timeline", payload)

    async def export_session(self, session_id: str, format: str = "markdown") -> Any:
        """Markdown text, or the JSON record (a dict) with ``format="json"``."""
        if format == "json":
            reply = await self.request(
                "GET", f"/api/v1/sessions/{session_id}/export", format="json"
            )
            return reply["export"]
        headers = {"authorization": f"Bearer {self.token}"} if self.token else {}
        async with (
            aiohttp.ClientSession() as http,
            http.get(
                f"{self.url}/api/v1/sessions/{session_id}/export",
                params={"format": "markdown"},
                headers=headers,
            ) as response,
        ):
            return await response.text()

    # -- Q&A -------------------------------------------------------------------------------

    async def ask(self, room_id: str, body: str, anonymous: bool = False) -> dict[str, Any]:
        payload = {"room_id": room_id, "body": body, "anonymous": anonymous}
        return dict((await self.call("qa:ask", payload))["question"])

    async def qa(self, event: str, **payload: Any) -> dict[str, Any]:
        """Any ``qa:<event>`` that acks with a question (edit, withdraw, approve, pin, ...)."""
        return dict((await self.call(f"qa:{event}", payload))["question"])

    async def vote(self, question_id: int, on: bool = True) -> dict[str, Any]:
        return await self.qa("vote", question_id=question_id, on=on)

    async def answer(self, question_id: int, body: str) -> dict[str, Any]:
        return await self.qa("answer", question_id=question_id, body=body)

    async def accept(self, question_id: int, answer_id: int | None) -> dict[str, Any]:
        return await self.qa("accept", question_id=question_id, answer_id=answer_id)

    async def dismiss(self, question_id: int, reason: str = "") -> dict[str, Any]:
        return await self.qa("dismiss", question_id=question_id, reason=reason)

    async def questions(self, session_id: str, sort: str = "votes") -> list[dict[str, Any]]:
        reply = await self.call("qa:list", {"session_id": session_id, "sort": sort})
        return list(reply["questions"])

    async def ack_notifications(self, ids: list[int]) -> int:
        return int((await self.call("notifications:ack", {"ids": ids}))["acknowledged"])

    # -- search and recognition ------------------------------------------------------------

    async def search(self, q: str, **filters: Any) -> dict[str, Any]:
        """Filters: room, tag, expert, from, to, answered, kind, offset, limit."""
        if "from_" in filters:
            filters["from"] = filters.pop("from_")
        return await self.request("GET", "/api/v1/search", q=q, **filters)

    async def expert_profile(self, user_id: str) -> dict[str, Any]:
        return dict((await self.request("GET", f"/api/v1/experts/{user_id}"))["expert"])

    async def leaderboard(self, **filters: Any) -> list[dict[str, Any]]:
        """Filters: room, tag, from, to, limit."""
        if "from_" in filters:
            filters["from"] = filters.pop("from_")
        return list((await self.request("GET", "/api/v1/experts", **filters))["leaderboard"])
