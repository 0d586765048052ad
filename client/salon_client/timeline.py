"""Gap-free Q&A for SalonClient: catching up a live session's timeline (mixed into it).

Every change of a session (questions, votes, answers, moderation, chat, presence) is a timeline
event numbered without gaps per session. Live ``qa:*`` events carry the seq of the question's
latest change, but the seqs in between belong to other kinds (chat, presence), so a jump in
them proves nothing. Instead the client keeps, per live session it follows, the seq up to
which it has read the timeline, and reads on from there (``GET /api/v1/sessions/{id}/timeline
?after=``, following ``next_after``) when it may have missed broadcasts: after every rejoin,
and when the server says the timeline has got further (``session:head``, sent to the room when
a node's bus returns after an outage). Questions found there are recorded as ``qa:question``
events unless the client already holds that change (by the question's ``seq``)."""

from __future__ import annotations

import asyncio
from typing import Any

from salon_client.calls import CallsServer

TIMELINE_PAGE = 1000  # the most one timeline request returns


class TimelineMixin(CallsServer):
    """Following live sessions' timelines; see the module docstring."""

    def _init_timeline(self) -> None:
        self.timeline_read: dict[str, int] = {}  # live session id -> seq read up to
        self._session_rooms: dict[str, str] = {}
        self._question_seq: dict[int, int] = {}  # question id -> highest seq held
        self._reading: dict[str, asyncio.Task[None]] = {}

    def _record_event(self, event: str, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def follow_session(self, session: dict[str, Any]) -> None:
        """Follow a live session from its current end (``last_seq``): what the client was
        shown up to now it got from ``qa:list`` / ``session:current``."""
        if session.get("status") != "live" or session["id"] in self.timeline_read:
            return
        self.timeline_read[session["id"]] = int(session.get("last_seq") or 0)
        self._session_rooms[session["id"]] = session["room_id"]

    def _on_timeline_event(self, event: str, data: dict[str, Any]) -> None:
        """Bookkeeping for live events (every live event is recorded as it came)."""
        if event == "session:started":
            self.follow_session(data)
        elif event == "session:ended":
            self.timeline_read.pop(data.get("id", ""), None)
        elif event in ("qa:question", "qa:question:private") and "id" in data:
            seq = int(data.get("seq") or 0)
            self._question_seq[data["id"]] = max(seq, self._question_seq.get(data["id"], 0))
        elif event == "session:head":
            session_id = str(data.get("session_id"))
            if session_id not in self.timeline_read:  # live, but we never saw it start
                self.timeline_read[session_id] = 0
                self._session_rooms[session_id] = str(data.get("room_id"))
            if int(data.get("seq", 0)) > self.timeline_read[session_id]:
                self.read_timeline(session_id)

    def _timeline_after_rejoin(self, room_id: str) -> None:
        for session_id, room in list(self._session_rooms.items()):
            if room == room_id and session_id in self.timeline_read:
                self.read_timeline(session_id)

    def read_timeline(self, session_id: str) -> asyncio.Task[None]:
        """Read on from where this client stopped (one reader per session at a time; a
        request while one runs makes it read once more)."""
        running = self._reading.get(session_id)
        if running is not None and not running.done():
            setattr(running, "again", True)  # noqa: B010 - a flag on the running task
            return running
        task = asyncio.get_running_loop().create_task(self._read(session_id))
        self._reading[session_id] = task
        return task

    async def _read(self, session_id: str) -> None:
        task = asyncio.current_task()
        missed: list[dict[str, Any]] = []
        try:
            while True:
                if task is not None:
                    setattr(task, "again", False)  # noqa: B010
                after: int | None = self.timeline_read.get(session_id, 0)
                while after is not None:
                    page = await self.request(
                        "GET",
                        f"/api/v1/sessions/{session_id}/timeline",
                        after=after,
                        limit=TIMELINE_PAGE,
                    )
                    for event in page["events"]:
                        missed += self._take_timeline_event(event)
                        self.timeline_read[session_id] = max(
                            self.timeline_read.get(session_id, 0), int(event["seq"])
                        )
                    after = page.get("next_after")
                if task is None or not getattr(task, "again", False):
                    break
        except Exception as exc:  # offline, unavailable: the next rejoin or head retries
            code = getattr(exc, "code", "offline")
            self._record_event("client:timeline_failed", {"session_id": session_id, "code": code})
            return
        self._record_event("client:timeline_read", {"session_id": session_id, "missed": missed})

    def _take_timeline_event(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        question = (event.get("data") or {}).get("question")
        if not str(event.get("kind", "")).startswith("qa.") or not isinstance(question, dict):
            return []
        seq = int(question.get("seq") or event["seq"])
        if seq <= self._question_seq.get(question["id"], 0):
            return []  # held already (live, or read before)
        question = {**question, "seq": seq}
        self._question_seq[question["id"]] = seq
        self._record_event("qa:question", question)
        return [question]
