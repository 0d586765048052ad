"""Matrix rows for the learning network: follows, the feed, the inbox, calendars, webhooks."""

from __future__ import annotations

from typing import Any

import httpx

from salon_client import SalonClient, SalonClientError
from tests.security.matrix import Rule, at_least
from tests.security.rules_knowledge import CONNECTED, SIGNED_IN, call, rest

HOOK_URL = "http://127.0.0.1:9/hook"
# The calendar feed's token is its only credential (it grants that feed and nothing else).
UNGUARDED = {"GET /api/v1/calendar/{token}.ics"}


async def session_ics(c: SalonClient, w: dict[str, Any]) -> Any:
    headers = {"authorization": f"Bearer {c.token}"} if c.token else {}
    async with httpx.AsyncClient(base_url=c.url, timeout=10) as http:
        response = await http.get(f"/api/v1/sessions/{w['ended']}/calendar.ics", headers=headers)
    if response.status_code != 200:
        raise SalonClientError(response.json()["error"]["code"], "", response.status_code)
    return response.text


async def fresh_hook(w: dict[str, Any]) -> str:
    body = {"scope": "room", "target": w["room"], "url": HOOK_URL}
    made = await w["host"].request("POST", "/api/v1/webhooks", body)
    return str(made["webhook"]["id"])


async def create_hook(c: SalonClient, w: dict[str, Any]) -> Any:
    body = {"scope": "room", "target": w["room"], "url": HOOK_URL}
    return await c.request("POST", "/api/v1/webhooks", body)


async def delete_hook(c: SalonClient, w: dict[str, Any]) -> Any:
    return await c.request("DELETE", f"/api/v1/webhooks/{await fresh_hook(w)}")


async def hook_deliveries(c: SalonClient, w: dict[str, Any]) -> Any:
    return await c.request("GET", f"/api/v1/webhooks/{await fresh_hook(w)}/deliveries")


follow_room = {"kind": "room", "target": "{room}"}

RULES: list[Rule] = [
    Rule("follow:add", at_least("viewer"), call("follow:add", **follow_room)),
    Rule("follow:remove", CONNECTED, call("follow:remove", **follow_room)),
    Rule("network:profile", CONNECTED, call("network:profile", user_id="host")),
    Rule("network:followers", CONNECTED, call("network:followers", user_id="host")),
    Rule("network:following", CONNECTED, call("network:following", user_id="host")),
    Rule("network:settings", SIGNED_IN, call("network:settings", graph_public=False)),
    Rule("feed:page", CONNECTED, call("feed:page")),
    Rule("inbox:page", CONNECTED, call("inbox:page")),
    Rule("inbox:sync", CONNECTED, call("inbox:sync", after=0)),
    Rule("inbox:counts", CONNECTED, call("inbox:counts")),
    Rule("inbox:read", CONNECTED, call("inbox:read", ids=[1])),
    Rule("inbox:read_all", CONNECTED, call("inbox:read_all")),
    Rule("inbox:preferences", CONNECTED, call("inbox:preferences")),
    Rule(
        "inbox:preferences:set",
        CONNECTED,
        call("inbox:preferences:set", preferences={"mention": True}),
    ),
    Rule(
        "PUT /api/v1/follows/{kind}/{target}",
        at_least("viewer"),
        rest("PUT", "/api/v1/follows/room/{room}"),
    ),
    Rule(
        "DELETE /api/v1/follows/{kind}/{target}",
        SIGNED_IN,
        rest("DELETE", "/api/v1/follows/room/{room}"),
    ),
    Rule(
        "GET /api/v1/users/{user_id}/network", SIGNED_IN, rest("GET", "/api/v1/users/host/network")
    ),
    Rule(
        "GET /api/v1/users/{user_id}/followers",
        SIGNED_IN,
        rest("GET", "/api/v1/users/host/followers"),
    ),
    Rule(
        "GET /api/v1/users/{user_id}/following",
        SIGNED_IN,
        rest("GET", "/api/v1/users/host/following"),
    ),
    Rule(
        "PATCH /api/v1/me/network",
        SIGNED_IN,
        rest("PATCH", "/api/v1/me/network", {"graph_public": False}),
    ),
    Rule("GET /api/v1/feed", SIGNED_IN, rest("GET", "/api/v1/feed")),
    Rule("GET /api/v1/inbox", SIGNED_IN, rest("GET", "/api/v1/inbox")),
    Rule("GET /api/v1/inbox/sync", SIGNED_IN, rest("GET", "/api/v1/inbox/sync")),
    Rule("GET /api/v1/inbox/counts", SIGNED_IN, rest("GET", "/api/v1/inbox/counts")),
    Rule("POST /api/v1/inbox/read", SIGNED_IN, rest("POST", "/api/v1/inbox/read", {"ids": [1]})),
    Rule("POST /api/v1/inbox/read-all", SIGNED_IN, rest("POST", "/api/v1/inbox/read-all")),
    Rule("GET /api/v1/inbox/preferences", SIGNED_IN, rest("GET", "/api/v1/inbox/preferences")),
    Rule(
        "PUT /api/v1/inbox/preferences",
        SIGNED_IN,
        rest("PUT", "/api/v1/inbox/preferences", {"preferences": {"mention": True}}),
    ),
    Rule("GET /api/v1/sessions/{session_id}/calendar.ics", at_least("viewer"), session_ics),
    Rule("GET /api/v1/me/calendar", SIGNED_IN, rest("GET", "/api/v1/me/calendar")),
    Rule("POST /api/v1/me/calendar", SIGNED_IN, rest("POST", "/api/v1/me/calendar")),
    Rule("DELETE /api/v1/me/calendar", SIGNED_IN, rest("DELETE", "/api/v1/me/calendar")),
    Rule("POST /api/v1/webhooks (room)", ("host",), create_hook),
    Rule(
        "GET /api/v1/webhooks",
        ("host",),
        rest("GET", "/api/v1/webhooks?scope=room&target={room}"),
    ),
    Rule("DELETE /api/v1/webhooks/{hook_id}", ("host",), delete_hook),
    Rule("GET /api/v1/webhooks/{hook_id}/deliveries", ("host",), hook_deliveries),
    Rule(
        "POST /api/v1/webhooks (tag)",
        (),  # operators only (SALON_OPERATORS); no member role is enough
        rest("POST", "/api/v1/webhooks", {"scope": "tag", "target": "certs", "url": HOOK_URL}),
    ),
]
