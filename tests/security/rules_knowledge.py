"""Matrix rows for documents, sessions, Q&A, notifications, search, recognition and replay."""

from __future__ import annotations

import secrets
from typing import Any

from salon_client import SalonClient
from tests.security.matrix import MEMBER_ROLES, Rule, at_least

SIGNED_IN = ("outsider", "removed", *MEMBER_ROLES)
CONNECTED = ("guest", *SIGNED_IN)
NOW = "2100-01-01T00:00:00Z"


def rest(method: str, path: str, body: Any = None) -> Any:
    async def action(c: SalonClient, w: dict[str, Any]) -> Any:
        return await c.request(method, path.format(**w), body)

    return action


def call(event: str, **payload: Any) -> Any:
    async def action(c: SalonClient, w: dict[str, Any]) -> Any:
        values = {k: (v.format(**w) if isinstance(v, str) else v) for k, v in payload.items()}
        if "question_id" in values and values["question_id"] == "fresh":
            values["question_id"] = await w["fresh_question"]()
        return await c.call(event, values)

    return action


async def start_fresh(c: SalonClient, w: dict[str, Any]) -> Any:
    room, session = await w["fresh_session"]()
    await c.join(room)
    return await c.call("session:start", {"session_id": session})


async def rest_start_fresh(c: SalonClient, w: dict[str, Any]) -> Any:
    _, session = await w["fresh_session"]()
    return await c.request("POST", f"/api/v1/sessions/{session}/start")


async def rest_end_fresh(c: SalonClient, w: dict[str, Any]) -> Any:
    _, session = await w["fresh_session"](started=True)
    return await c.request("POST", f"/api/v1/sessions/{session}/end")


async def end_fresh(c: SalonClient, w: dict[str, Any]) -> Any:
    room, session = await w["fresh_session"](started=True)
    await c.join(room)
    return await c.call("session:end", {"session_id": session})


async def accept_fresh(c: SalonClient, w: dict[str, Any]) -> Any:
    question, answer = await w["fresh_answered"]()
    return await c.call("qa:accept", {"question_id": question, "answer_id": answer})


async def own_question(c: SalonClient, w: dict[str, Any], event: str) -> Any:
    question = await w["own_question"](c)
    payload: dict[str, Any] = {"question_id": question}
    if event == "qa:edit":
        payload["body"] = "Reworded question?"
    return await c.call(event, payload)


async def merge_fresh(c: SalonClient, w: dict[str, Any]) -> Any:
    first, second = await w["fresh_question"](), await w["fresh_question"]()
    return await c.call("qa:merge", {"question_id": first, "into": second})


async def own_answer_edit(c: SalonClient, w: dict[str, Any]) -> Any:
    answer = await w["own_answer"](c)
    return await c.call("qa:answer_edit", {"answer_id": answer, "body": "Better answer"})


async def rest_on_fresh(c: SalonClient, w: dict[str, Any], tail: str, body: Any) -> Any:
    if tail == "accept":
        question, answer = await w["fresh_answered"]()
        body = {"answer_id": answer}
    else:
        question = await w["fresh_question"]()
    return await c.request("POST", f"/api/v1/questions/{question}/{tail}", body)


async def delete_doc(c: SalonClient, w: dict[str, Any]) -> Any:
    name = await w["fresh_document"]()
    return await c.request("DELETE", f"/api/v1/rooms/{w['room']}/documents/{name}")


async def rename_doc(c: SalonClient, w: dict[str, Any]) -> Any:
    name = await w["fresh_document"]()
    path = f"/api/v1/rooms/{w['room']}/documents/{name}"
    return await c.request("PATCH", path, {"name": f"renamed-{secrets.token_hex(3)}"})


RULES = [
    # documents
    Rule(
        "GET /api/v1/rooms/{room_id}/documents",
        at_least("viewer"),
        rest("GET", "/api/v1/rooms/{room}/documents"),
    ),
    Rule(
        "POST /api/v1/rooms/{room_id}/documents",
        at_least("participant"),
        lambda c, w: c.request(
            "POST", f"/api/v1/rooms/{w['room']}/documents", {"name": f"doc-{secrets.token_hex(3)}"}
        ),
    ),
    Rule("PATCH /api/v1/rooms/{room_id}/documents/{name}", at_least("participant"), rename_doc),
    Rule("DELETE /api/v1/rooms/{room_id}/documents/{name}", ("host",), delete_doc),
    Rule(
        "GET /api/v1/rooms/{room_id}/documents/{name}/versions",
        at_least("viewer"),
        rest("GET", "/api/v1/rooms/{room}/documents/notes/versions"),
    ),
    Rule(
        "GET /api/v1/rooms/{room_id}/documents/{name}/content",
        at_least("viewer"),
        rest("GET", "/api/v1/rooms/{room}/documents/notes/content?format=json"),
    ),
    Rule(
        "POST /api/v1/rooms/{room_id}/documents/{name}/restore",
        at_least("participant"),
        rest("POST", "/api/v1/rooms/{room}/documents/notes/restore", {"at": NOW}),
    ),
    # sessions
    Rule("session:schedule", ("host",), call("session:schedule", room_id="{room}", title="S")),
    Rule(
        "session:update", ("host",), call("session:update", session_id="{live}", description="new")
    ),
    Rule("session:start", ("host",), start_fresh),
    Rule("session:end", ("host",), end_fresh),
    Rule("session:get", at_least("viewer"), call("session:get", session_id="{live}")),
    Rule("session:list", at_least("viewer"), call("session:list", room_id="{room}")),
    Rule("session:current", at_least("viewer"), call("session:current", room_id="{room}")),
    Rule("session:timeline", at_least("viewer"), call("session:timeline", session_id="{live}")),
    Rule(
        "POST /api/v1/rooms/{room_id}/sessions",
        ("host",),
        rest("POST", "/api/v1/rooms/{room}/sessions", {"title": "S"}),
    ),
    Rule(
        "GET /api/v1/rooms/{room_id}/sessions",
        at_least("viewer"),
        rest("GET", "/api/v1/rooms/{room}/sessions"),
    ),
    Rule(
        "GET /api/v1/rooms/{room_id}/sessions/current",
        at_least("viewer"),
        rest("GET", "/api/v1/rooms/{room}/sessions/current"),
    ),
    Rule(
        "GET /api/v1/sessions/{session_id}",
        at_least("viewer"),
        rest("GET", "/api/v1/sessions/{live}"),
    ),
    Rule(
        "PATCH /api/v1/sessions/{session_id}",
        ("host",),
        rest("PATCH", "/api/v1/sessions/{live}", {"description": "x"}),
    ),
    Rule(
        "GET /api/v1/sessions/{session_id}/timeline",
        at_least("viewer"),
        rest("GET", "/api/v1/sessions/{live}/timeline"),
    ),
    Rule(
        "GET /api/v1/sessions/{session_id}/export",
        at_least("viewer"),
        rest("GET", "/api/v1/sessions/{ended}/export?format=json"),
    ),
    # Q&A
    Rule("qa:ask", at_least("participant"), call("qa:ask", room_id="{room}", body="Why?")),
    Rule("qa:vote", at_least("participant"), call("qa:vote", question_id="fresh")),
    Rule(
        "qa:edit (own question)",
        at_least("participant"),
        lambda c, w: own_question(c, w, "qa:edit"),
    ),
    Rule(
        "qa:withdraw (own question)",
        at_least("participant"),
        lambda c, w: own_question(c, w, "qa:withdraw"),
    ),
    Rule("qa:answer", at_least("expert"), call("qa:answer", question_id="fresh", body="Because")),
    Rule("qa:mark_answered", at_least("expert"), call("qa:mark_answered", question_id="fresh")),
    Rule("qa:accept", at_least("expert"), accept_fresh),
    Rule("qa:merge", ("host",), merge_fresh),
    Rule("qa:approve", ("host",), call("qa:approve", question_id="fresh")),
    Rule("qa:answer_edit (own answer)", at_least("expert"), own_answer_edit),
    Rule(
        "POST /api/v1/questions/{question_id}/answers",
        at_least("expert"),
        lambda c, w: rest_on_fresh(c, w, "answers", {"body": "Via REST"}),
    ),
    Rule(
        "POST /api/v1/questions/{question_id}/vote",
        at_least("participant"),
        lambda c, w: rest_on_fresh(c, w, "vote", {}),
    ),
    Rule(
        "POST /api/v1/questions/{question_id}/accept",
        at_least("expert"),
        lambda c, w: rest_on_fresh(c, w, "accept", None),
    ),
    Rule(
        "POST /api/v1/notifications/ack",
        SIGNED_IN,
        rest("POST", "/api/v1/notifications/ack", {"ids": []}),
    ),
    Rule("qa:dismiss", ("host",), call("qa:dismiss", question_id="fresh", reason="dup")),
    Rule("qa:pin", ("host",), call("qa:pin", question_id="fresh")),
    Rule("qa:list", at_least("viewer"), call("qa:list", session_id="{live}")),
    Rule("qa:append_to_notes", at_least("expert"), call("qa:append_to_notes", session_id="{live}")),
    Rule(
        "GET /api/v1/sessions/{session_id}/questions",
        at_least("viewer"),
        rest("GET", "/api/v1/sessions/{live}/questions"),
    ),
    Rule(
        "POST /api/v1/rooms/{room_id}/questions",
        at_least("participant"),
        rest("POST", "/api/v1/rooms/{room}/questions", {"body": "Via REST?"}),
    ),
    # notifications, search, recognition
    Rule("notifications:ack", CONNECTED, call("notifications:ack", ids=[])),
    Rule("GET /api/v1/notifications", SIGNED_IN, rest("GET", "/api/v1/notifications")),
    Rule("GET /api/v1/search", SIGNED_IN, rest("GET", "/api/v1/search?q=anything")),
    Rule("GET /api/v1/experts", SIGNED_IN, rest("GET", "/api/v1/experts")),
    Rule("GET /api/v1/experts/{user_id}", SIGNED_IN, rest("GET", "/api/v1/experts/host")),
    # replay
    Rule(
        "replay:open", at_least("viewer"), call("replay:open", session_id="{ended}", autoplay=False)
    ),
    Rule(
        "GET /api/v1/sessions/{session_id}/replay",
        at_least("viewer"),
        rest("GET", "/api/v1/sessions/{ended}/replay"),
    ),
    Rule(
        "GET /api/v1/sessions/{session_id}/replay/state",
        at_least("viewer"),
        rest("GET", "/api/v1/sessions/{ended}/replay/state?t=0"),
    ),
    Rule(
        "GET /api/v1/sessions/{session_id}/replay/events",
        at_least("viewer"),
        rest("GET", "/api/v1/sessions/{ended}/replay/events"),
    ),
    Rule("POST /api/v1/sessions/{session_id}/start", ("host",), rest_start_fresh),
    Rule("POST /api/v1/sessions/{session_id}/end", ("host",), rest_end_fresh),
]
