"""Integers are bounded to what the archive holds (64-bit): beyond it any id, seq or cursor, in
an event payload, a REST body, path or query, is `bad_request` — never `internal` or a 500 — and
a refused request changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.clients import connected, new_room, user_id
from tests.support.servers import ServerProcess

HUGE = [2**63, -(2**63) - 1, 2**64 - 1]

EVENTS: list[tuple[str, dict[str, Any], str]] = [
    ("room:join", {}, "chat_after"),
    ("chat:history", {}, "before"),
    ("chat:history", {}, "after"),
    ("chat:edit", {"body": "x"}, "message_id"),
    ("chat:delete", {}, "message_id"),
    ("chat:react", {"emoji": "👍"}, "message_id"),
    ("session:timeline", {"session_id": "s"}, "after"),
    ("qa:edit", {"body": "x"}, "question_id"),
    ("qa:withdraw", {}, "question_id"),
    ("qa:vote", {}, "question_id"),
    ("qa:approve", {}, "question_id"),
    ("qa:dismiss", {}, "question_id"),
    ("qa:pin", {}, "question_id"),
    ("qa:merge", {"into": 1}, "question_id"),
    ("qa:merge", {"question_id": 1}, "into"),
    ("qa:answer", {"body": "x"}, "question_id"),
    ("qa:answer_edit", {"body": "x"}, "answer_id"),
    ("qa:mark_answered", {}, "question_id"),
    ("qa:accept", {"question_id": 1}, "answer_id"),
    ("replay:open", {"session_id": "s"}, "seq"),
]


@pytest.mark.parametrize(("event", "base", "field"), EVENTS, ids=[f"{e}.{f}" for e, _, f in EVENTS])
async def test_huge_integers_in_events_are_bad_requests(
    server: ServerProcess, event: str, base: dict[str, Any], field: str
) -> None:
    async with connected(server, user_id("alice")) as (a,):
        room = await new_room(a)
        await a.join(room)
        for value in HUGE:
            payload = {**base, field: value}
            if event.startswith(("room:", "chat:")):
                payload["room_id"] = room
            reply = await a.sio.call(event, payload, timeout=5)
            assert reply["ok"] is False
            assert reply["error"]["code"] == "bad_request", (event, field, value, reply)


async def test_lists_of_integers_are_bounded_too(server: ServerProcess) -> None:
    async with connected(server, user_id("alice")) as (a,):
        reply = await a.sio.call("notifications:ack", {"ids": [1, 2**63]}, timeout=5)
        assert reply["error"]["code"] == "bad_request"
        payload = {"session_id": "s", "question_ids": [2**63]}
        reply = await a.sio.call("qa:append_to_notes", payload, timeout=5)
        assert reply["error"]["code"] == "bad_request"


async def test_a_refused_join_leaves_the_socket_out_of_the_room(server: ServerProcess) -> None:
    alice, bob = user_id("alice"), user_id("bob")
    async with connected(server, alice, bob) as (a, b):
        room = await new_room(a)
        await a.join(room)
        reply = await b.sio.call("room:join", {"room_id": room, "chat_after": 2**63}, timeout=5)
        assert reply["error"]["code"] == "bad_request"
        reply = await b.sio.call(
            "chat:send", {"room_id": room, "client_id": "c", "body": "sneaky"}, timeout=5
        )
        assert reply["error"]["code"] == "not_joined"
        await a.send_chat(room, "only alice's")
        assert "only alice's" not in [m["body"] for m in b.events["chat:message"]]
        with server.http(alice) as http:
            people = http.get(f"/api/v1/rooms/{room}/presence").json()["presence"]
        assert [p["user_id"] for p in people] == [alice]


REST = [
    ("GET", "/api/v1/rooms/{room}/chat?before=9223372036854775808", None),
    ("GET", "/api/v1/rooms/{room}/chat?after=9223372036854775808", None),
    ("GET", "/api/v1/rooms/{room}/chat?after=-9223372036854775809", None),
    ("GET", "/api/v1/sessions/{session}/timeline?after=9223372036854775808", None),
    ("GET", "/api/v1/sessions/{session}/replay/state?seq=9223372036854775808", None),
    ("POST", "/api/v1/questions/9223372036854775808/vote", {}),
    ("POST", "/api/v1/questions/99999999999999999999999999/answers", {"body": "x"}),
    ("POST", "/api/v1/questions/%C2%B2/vote", {}),  # "²" is a digit to str.isdigit
    ("POST", "/api/v1/questions/" + "9" * 5000 + "/vote", {}),
    ("POST", "/api/v1/questions/1/accept", {"answer_id": 2**63}),
    ("POST", "/api/v1/notifications/ack", {"ids": [2**63]}),
    ("POST", "/api/v1/rooms/{room}/documents/notes/restore", {"at": 2**63}),
    ("GET", "/api/v1/rooms/{room}/documents/notes/content?at=99999999999999999999999", None),
]


@pytest.mark.parametrize(
    ("method", "path", "body"), REST, ids=[f"{m} {p}"[:70] for m, p, _ in REST]
)
def test_huge_integers_in_rest_are_400(
    server: ServerProcess, method: str, path: str, body: Any
) -> None:
    host = user_id("host")
    with server.http(host) as http:
        room = http.post("/api/v1/rooms", json={"title": "ints"}).json()["room"]["id"]
        http.post(f"/api/v1/rooms/{room}/documents", json={"name": "notes"})
        session = http.post(f"/api/v1/rooms/{room}/sessions", json={"title": "s"}).json()
        url = path.format(room=room, session=session["session"]["id"])
        r = http.request(method, url, json=body)
    assert r.status_code == 400, (url[:120], r.status_code, r.text[:300])
    assert r.json()["error"]["code"] == "bad_request"


def test_a_rest_only_user_can_chat_and_ask(server: ServerProcess) -> None:
    host, newcomer = user_id("host"), user_id("restonly")
    with server.http(host) as http:
        room = http.post("/api/v1/rooms", json={"title": "public"}).json()["room"]["id"]
        session = http.post(f"/api/v1/rooms/{room}/sessions", json={"title": "s"}).json()
        assert http.post(f"/api/v1/sessions/{session['session']['id']}/start").status_code == 200
    # The newcomer has never connected a socket nor created anything: no user row so far.
    with server.http(newcomer) as http:
        r = http.post(f"/api/v1/rooms/{room}/chat", json={"client_id": "c1", "body": "hi"})
        assert r.status_code == 201, r.text
        assert r.json()["message"]["user_id"] == newcomer
        r = http.post(f"/api/v1/rooms/{room}/questions", json={"body": "Why?"})
        assert r.status_code == 201, r.text
