"""Matrix rows for ask-anytime queues, "already answered?" suggestions and the knowledge base."""

from __future__ import annotations

from typing import Any

import httpx

from salon_client import SalonClient, SalonClientError
from tests.security.matrix import Rule, at_least
from tests.security.rules_knowledge import SIGNED_IN, call, rest


async def settled(w: dict[str, Any]) -> tuple[int, int]:
    """A question of the matrix room with an accepted answer (in the knowledge base)."""
    question, answer = await w["fresh_answered"]()
    await w["host"].accept(question, answer)
    return question, answer


def on_settled(event: str, **payload: Any) -> Any:
    async def action(c: SalonClient, w: dict[str, Any]) -> Any:
        question, answer = await settled(w)
        values = {k: answer if v == "{answer}" else v for k, v in payload.items()}
        return await c.call(event, {"question_id": question, **values})

    return action


async def helped(c: SalonClient, w: dict[str, Any]) -> Any:
    _, answer = await settled(w)
    return await c.call("qa:helped", {"answer_id": answer})


async def rest_helped(c: SalonClient, w: dict[str, Any]) -> Any:
    _, answer = await settled(w)
    return await c.request("POST", f"/api/v1/answers/{answer}/helped")


def rest_settled(method: str, tail: str, body: Any = None) -> Any:
    async def action(c: SalonClient, w: dict[str, Any]) -> Any:
        question, answer = await settled(w)
        data = {"answer_id": answer} if body == "{answer}" else body
        return await c.request(method, f"/api/v1/questions/{question}/{tail}", data)

    return action


def markdown(path: str) -> Any:
    """Export endpoints answer Markdown, their errors JSON."""

    async def action(c: SalonClient, w: dict[str, Any]) -> Any:
        headers = {"authorization": f"Bearer {c.token}"} if c.token else {}
        async with httpx.AsyncClient() as http:
            reply = await http.get(c.url + path.format(**w), headers=headers)
        if reply.status_code != 200:
            error = reply.json()["error"]
            raise SalonClientError(error["code"], error["message"], reply.status_code)
        return reply.text

    return action


RULES = [
    Rule("qa:queue", at_least("viewer"), call("qa:queue", room_id="{room}")),
    Rule("qa:queue:bring", ("host",), call("qa:queue:bring", room_id="{room}")),
    Rule("qa:suggest", at_least("viewer"), call("qa:suggest", text="why", room_id="{room}")),
    Rule("qa:helped", at_least("viewer"), helped),
    Rule("kb:page", at_least("viewer"), call("kb:page", room_id="{room}")),
    Rule("kb:canonical", at_least("expert"), on_settled("kb:canonical", answer_id="{answer}")),
    Rule("kb:summary", at_least("expert"), on_settled("kb:summary", body="In short")),
    Rule("kb:history", at_least("viewer"), on_settled("kb:history")),
    Rule(
        "GET /api/v1/rooms/{room_id}/queue",
        at_least("viewer"),
        rest("GET", "/api/v1/rooms/{room}/queue"),
    ),
    Rule(
        "POST /api/v1/rooms/{room_id}/queue/bring",
        ("host",),
        rest("POST", "/api/v1/rooms/{room}/queue/bring"),
    ),
    # Tag-wide pages list only rooms the caller may see: any signed-in person may ask.
    Rule("GET /api/v1/tags/{tag}/queue", SIGNED_IN, rest("GET", "/api/v1/tags/ops/queue")),
    Rule("GET /api/v1/suggestions", SIGNED_IN, rest("GET", "/api/v1/suggestions?q=why")),
    Rule("POST /api/v1/answers/{answer_id}/helped", at_least("viewer"), rest_helped),
    Rule(
        "GET /api/v1/kb/rooms/{room_id}", at_least("viewer"), rest("GET", "/api/v1/kb/rooms/{room}")
    ),
    Rule(
        "GET /api/v1/kb/rooms/{room_id}/export.md",
        at_least("viewer"),
        markdown("/api/v1/kb/rooms/{room}/export.md"),
    ),
    Rule("GET /api/v1/kb/tags/{tag}", SIGNED_IN, rest("GET", "/api/v1/kb/tags/ops")),
    Rule(
        "GET /api/v1/kb/tags/{tag}/export.md", SIGNED_IN, markdown("/api/v1/kb/tags/ops/export.md")
    ),
    Rule(
        "PUT /api/v1/questions/{question_id}/canonical",
        at_least("expert"),
        rest_settled("PUT", "canonical", "{answer}"),
    ),
    Rule(
        "PUT /api/v1/questions/{question_id}/summary",
        at_least("expert"),
        rest_settled("PUT", "summary", {"body": "In short"}),
    ),
    Rule(
        "GET /api/v1/questions/{question_id}/summary/history",
        at_least("viewer"),
        rest_settled("GET", "summary/history"),
    ),
]
