"""Property-based fuzzing of every Socket.IO event and REST body of the foundation:
no crash, no 5xx, a documented error code, and nothing changed by rejected input.

Runs a short pass in CI; `SALON_FUZZ_EXAMPLES=5000 make pytest PYTEST_ARGS=-ktest_fuzz`
runs a long one."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salon.core.errors import CODES
from salon.core.jsonlib import MAX_DEPTH
from salon_client import SalonClient
from tests.realtime.raw import nested, raw_call
from tests.support.servers import ServerProcess

T = TypeVar("T")
EXAMPLES = int(os.environ.get("SALON_FUZZ_EXAMPLES", "120"))
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
FIELDS = [
    "room_id",
    "client_id",
    "body",
    "message_id",
    "emoji",
    "on",
    "before",
    "after",
    "limit",
    "hand_raised",
    "chat_after",
    "title",
    "tags",
    "visibility",
    "role",
    "description",
    "session_id",
    "question_id",
    "answer_id",
    "into",
    "reason",
    "anonymous",
    "answered",
    "sort",
    "ids",
    "doc",
    "question_ids",
    "replay_id",
    "offset",
    "seq",
    "speed",
    "skip_silence",
    "autoplay",
    "starts_at",
    "experts",
    "moderated",
]
EVENTS = [
    "room:join",
    "room:leave",
    "presence:update",
    "chat:send",
    "chat:edit",
    "chat:delete",
    "chat:react",
    "chat:history",
    "session:schedule",
    "session:update",
    "session:start",
    "session:end",
    "session:get",
    "session:list",
    "session:current",
    "session:timeline",
    "notifications:ack",
    "qa:ask",
    "qa:edit",
    "qa:withdraw",
    "qa:vote",
    "qa:approve",
    "qa:dismiss",
    "qa:pin",
    "qa:merge",
    "qa:answer",
    "qa:answer_edit",
    "qa:mark_answered",
    "qa:accept",
    "qa:list",
    "qa:append_to_notes",
    "replay:open",
    "replay:pause",
    "replay:resume",
    "replay:seek",
    "replay:speed",
    "replay:close",
]

# JSON has no NaN or infinity; a client that sends them sends invalid JSON (tested below).
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=300)
    | st.sampled_from(["", "room", "👍", "\x00", "9" * 40])
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=20,
)


class Loop:
    """One event loop in a thread, so sync hypothesis tests can drive async clients."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture(scope="module")
def arena(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    server = ServerProcess(
        tmp_path_factory.mktemp("fuzz"),
        event_rate=100000,
        event_burst=100000,
        chat_rate=100000,
        chat_burst=100000,
    )
    server.start()
    loop = Loop()
    fuzzer = SalonClient(server.url, token=server.token("fuzzer"))
    witness = SalonClient(server.url, token=server.token("witness"))
    loop.run(fuzzer.connect())
    loop.run(witness.connect())
    room = loop.run(witness.create_room("Fuzz target"))["id"]
    loop.run(fuzzer.join(room))
    loop.run(witness.join(room))
    loop.run(witness.send_chat(room, "keep me"))
    try:
        yield {"server": server, "loop": loop, "fuzzer": fuzzer, "witness": witness, "room": room}
    finally:
        loop.run(fuzzer.close())
        loop.run(witness.close())
        loop.close()
        server.stop()


def payloads(room: str) -> st.SearchStrategy[Any]:
    known = st.fixed_dictionaries({}, optional={f: values for f in FIELDS})
    targeted = known.map(lambda d: {**d, "room_id": room} if "room_id" in d else d)
    return values | known | targeted


@FUZZ
@given(data=st.data())
def test_fuzzed_events_get_documented_answers(arena: dict[str, Any], data: st.DataObject) -> None:
    event = data.draw(st.sampled_from(EVENTS))
    payload = data.draw(payloads(arena["room"]))
    reply = arena["loop"].run(arena["fuzzer"].sio.call(event, payload, timeout=10))
    assert isinstance(reply, dict) and isinstance(reply.get("ok"), bool), reply
    if not reply["ok"]:
        assert reply["error"]["code"] in CODES and reply["error"]["code"] != "internal", reply
    if event == "room:leave" and reply["ok"]:
        arena["loop"].run(arena["fuzzer"].join(arena["room"]))


@FUZZ
@given(
    method_path=st.sampled_from(
        [
            ("POST", "/api/v1/rooms"),
            ("PATCH", "/api/v1/rooms/{r}"),
            ("PUT", "/api/v1/rooms/{r}/members/someone"),
            ("POST", "/api/v1/rooms/{r}/chat"),
            ("POST", "/api/v1/rooms/{r}/documents"),
            ("POST", "/api/v1/rooms/{r}/documents/notes/restore"),
            ("POST", "/api/v1/rooms/{r}/sessions"),
            ("POST", "/api/v1/rooms/{r}/questions"),
            ("POST", "/api/v1/questions/1/vote"),
            ("POST", "/api/v1/questions/9223372036854775808/vote"),
            ("POST", "/api/v1/questions/%C2%B2/answers"),  # a digit to str.isdigit, not to int
            ("POST", "/api/v1/questions/1/answers"),
            ("POST", "/api/v1/notifications/ack"),
        ]
    ),
    body=values,
    query=st.dictionaries(
        st.sampled_from(
            [
                "q",
                "tag",
                "limit",
                "offset",
                "before",
                "after",
                "room",
                "from",
                "to",
                "answered",
                "kind",
                "expert",
                "seq",
                "t",
                "at",
            ]
        ),
        st.text(max_size=20) | st.sampled_from([str(2**63), str(-(2**63) - 1), "9" * 30, "NaN"]),
        max_size=3,
    ),
)
def test_fuzzed_rest_requests_never_fail_with_5xx(
    arena: dict[str, Any], method_path: tuple[str, str], body: Any, query: dict[str, str]
) -> None:
    server: ServerProcess = arena["server"]
    method, path = method_path
    path = path.format(r=arena["room"])
    with server.http("fuzzer") as http:
        response = http.request(method, path, json=body)
        listing = http.get("/api/v1/rooms", params=query)
        found = http.get("/api/v1/search", params=query)
        leaders = http.get("/api/v1/experts", params=query)
        history = http.get(f"/api/v1/rooms/{arena['room']}/chat", params=query)
    for r in (response, listing, history, found, leaders):
        assert r.status_code < 500, r.text
        if r.status_code >= 400:
            assert r.json()["error"]["code"] in CODES


LIFECYCLE = ["connect", "disconnect", "connect_error", "message", "*"]
HOSTILE_JSON = [
    "NaN",
    "Infinity",
    "-Infinity",
    nested(MAX_DEPTH),
    nested(2000),
    str(2**63),
    str(-(2**63) - 1),
    str(2**64),
    "1e400",
    '"\\ud800"',
    "[1,",
    '{"a":}',
]


def raw_events(room: str) -> st.SearchStrategy[str]:
    """Hand-written EVENT packets: lifecycle or unknown names, names that are no string, and
    payloads whose JSON is not strict or whose integers overflow the store."""
    name = st.sampled_from(EVENTS + LIFECYCLE) | st.text(max_size=12)
    hostile = st.sampled_from(HOSTILE_JSON)
    field = st.sampled_from(FIELDS)
    with_value = st.builds(
        lambda n, f, v: f'[{json.dumps(n)},{{"room_id":"{room}","{f}":{v}}}]',
        name,
        field,
        hostile,
    )
    nameless = st.sampled_from(
        [
            "[]",
            "[7,{}]",
            "[null]",
            '[{"a":1}]',
            "[true]",
            "{}",
            '"just text"',
            "null",
            '["chat:send",{},{}]',
            '["room:join",{},1,2]',
        ]
    )
    return with_value | nameless | st.builds(lambda n: f"[{json.dumps(n)},{{}}]", name)


@FUZZ
@given(data=st.data())
def test_hand_written_packets_get_documented_answers(
    arena: dict[str, Any], data: st.DataObject
) -> None:
    body = data.draw(raw_events(arena["room"]))
    fuzzer: SalonClient = arena["fuzzer"]
    reply = arena["loop"].run(raw_call(fuzzer.sio, body, timeout=10))
    assert isinstance(reply, dict) and reply.get("ok") is False, (body[:200], reply)
    assert reply["error"]["code"] in CODES and reply["error"]["code"] != "internal", reply
    assert fuzzer.sio.connected


def test_after_the_fuzz_the_room_is_intact(arena: dict[str, Any]) -> None:
    loop, witness, room = arena["loop"], arena["witness"], arena["room"]
    first = loop.run(witness.history(room, limit=1, after=0))["messages"][0]
    assert first["body"] == "keep me" and not first["deleted"]
    loop.run(arena["fuzzer"].send_chat(room, "fuzzer still talks"))
    loop.run(
        witness.wait_for(
            "chat:message", lambda m: m["body"] == "fuzzer still talks", include_past=True
        )
    )
    assert httpx.get(arena["server"].url + "/healthz").status_code == 200
    assert "Traceback" not in arena["server"].log()
