"""The kinds of notifications, what each means, and where a note or feed item links to."""

from __future__ import annotations

from typing import Any

# Every kind a person can switch off (all are on until they do).
KINDS: dict[str, str] = {
    "session.scheduled": "someone you follow scheduled a session",
    "session.started": "someone you follow started a session",
    "session.soon": "a session in your network starts in 15 minutes",
    "question.answered": "your question was answered",
    "question.accepted": "an answer to your question was accepted",
    "question.dismissed": "your question was dismissed",
    "question.upvoted": "people upvoted your question (batched)",
    "answer.accepted": "your answer was accepted",
    "answer.upvoted": "people upvoted your answer (batched)",
    "follow.new": "someone followed you",
    "mention": "someone mentioned you in a room's chat",
    "question.queued": "a question waits in the open queue of a room or tag you are an expert of",
    "question.for_you": "someone addressed a question to you by name",
}

TARGETS = ("user", "tag", "room", "session")


def link(kind: str, data: dict[str, Any], ended: bool = False) -> dict[str, Any]:
    """Where the web client opens a note or a feed item: ``path`` plus the ids it came from."""
    room, session = data.get("room_id"), data.get("session_id")
    if kind == "follow.new":
        return {"path": f"/experts/{data.get('user_id')}", "user_id": data.get("user_id")}
    if kind == "mention":
        return {"path": f"/rooms/{room}#chat-{data.get('seq')}", "room_id": room}
    if kind in ("question.queued", "question.for_you") and data.get("session_id") is None:
        return {"path": f"/queue/{room}", "room_id": room, "question_id": data.get("question_id")}
    seq = data.get("seq")
    if ended and session and seq is not None:
        path = f"/replay/{session}?seq={seq}"
    elif ended and session:
        path = f"/replay/{session}"
    elif data.get("question_id") is not None and not session:
        path = f"/queue/{room}?status=answered"  # asked and answered outside any session
    elif data.get("question_id") is not None:
        path = f"/rooms/{room}#question-{data['question_id']}"
    else:
        path = f"/rooms/{room}"
    return {"path": path, "room_id": room, "session_id": session, "seq": seq}
