"""Every Socket.IO event and REST endpoint against every kind of caller (see matrix.py)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from salon_client import SalonClient, SalonClientError
from tests.security import rules_answers, rules_knowledge, rules_network
from tests.security.matrix import CALLERS, MEMBER_ROLES, Rule, at_least, render
from tests.support.servers import ServerProcess

ROOT = Path(__file__).resolve().parents[2]
REFUSALS = {
    "unauthenticated",
    "token_expired",
    "guests_disabled",
    "forbidden",
    "not_member",
    "removed",
    "not_joined",
    "connect_failed",
}


async def chat_send(c: SalonClient, w: dict[str, Any]) -> Any:
    return await c.send_chat(w["room"], "hello")


async def chat_edit(c: SalonClient, w: dict[str, Any]) -> Any:
    mine = await w["own_message"](c)
    return await c.edit_chat(w["room"], mine, "edited")


async def chat_delete_own(c: SalonClient, w: dict[str, Any]) -> Any:
    return await c.delete_chat(w["room"], await w["own_message"](c))


async def chat_delete_other(c: SalonClient, w: dict[str, Any]) -> Any:
    message = await w["host"].send_chat(w["room"], "host's words")
    return await c.delete_chat(w["room"], message["id"])


async def rest(c: SalonClient, method: str, path: str, body: Any = None) -> Any:
    return await c.request(method, path, body)


async def archive_fresh_room(c: SalonClient, w: dict[str, Any]) -> Any:
    return await c.request("POST", f"/api/v1/rooms/{await w['fresh_room']()}/archive")


ADMIN = "/api/v1/admin/bans"


async def lift_fresh_ban(c: SalonClient, w: dict[str, Any]) -> Any:
    bans = f"/api/v1/rooms/{w['room']}/bans"
    ban = (await w["host"].request("POST", bans, {"user_id": f"x-{secrets.token_hex(3)}"}))["ban"]
    return await c.request("DELETE", f"{bans}/{ban['id']}")


RULES: list[Rule] = [
    Rule("room:join", at_least("viewer"), lambda c, w: c.join(w["room"])),
    # Leaving a room you are not in is a harmless no-op for anyone connected.
    Rule(
        "room:leave",
        ("guest", "outsider", "removed", *MEMBER_ROLES),
        lambda c, w: c.leave(w["room"]),
    ),
    Rule("presence:update", at_least("viewer"), lambda c, w: c.raise_hand(w["room"])),
    Rule("chat:history", at_least("viewer"), lambda c, w: c.history(w["room"])),
    Rule("chat:send", at_least("participant"), chat_send),
    Rule(
        "chat:react", at_least("participant"), lambda c, w: c.react(w["room"], w["message"], "👍")
    ),
    Rule("chat:edit", at_least("participant"), chat_edit),
    Rule("chat:delete", at_least("participant"), chat_delete_own),
    Rule("chat:delete (someone else's)", ("host",), chat_delete_other),
    Rule(
        "GET /api/v1/me",
        ("outsider", "removed", *MEMBER_ROLES),
        lambda c, w: rest(c, "GET", "/api/v1/me"),
    ),
    Rule(
        "POST /api/v1/rooms",
        ("outsider", "removed", *MEMBER_ROLES),
        lambda c, w: rest(c, "POST", "/api/v1/rooms", {"title": "mine"}),
    ),
    Rule(
        "GET /api/v1/rooms",
        ("outsider", "removed", *MEMBER_ROLES),
        lambda c, w: rest(c, "GET", "/api/v1/rooms"),
    ),
    Rule(
        "GET /api/v1/rooms/{room_id}",
        at_least("viewer"),
        lambda c, w: rest(c, "GET", f"/api/v1/rooms/{w['room']}"),
    ),
    Rule(
        "PATCH /api/v1/rooms/{room_id}",
        ("host",),
        lambda c, w: rest(c, "PATCH", f"/api/v1/rooms/{w['room']}", {"description": "x"}),
    ),
    Rule(
        "GET /api/v1/rooms/{room_id}/members",
        at_least("viewer"),
        lambda c, w: rest(c, "GET", f"/api/v1/rooms/{w['room']}/members"),
    ),
    Rule(
        "PUT /api/v1/rooms/{room_id}/members/{user_id}",
        ("host",),
        lambda c, w: rest(
            c, "PUT", f"/api/v1/rooms/{w['room']}/members/newbie", {"role": "viewer"}
        ),
    ),
    Rule(
        "DELETE /api/v1/rooms/{room_id}/members/{user_id}",
        ("host",),
        lambda c, w: rest(c, "DELETE", f"/api/v1/rooms/{w['room']}/members/newbie"),
    ),
    Rule(
        "GET /api/v1/rooms/{room_id}/presence",
        at_least("viewer"),
        lambda c, w: rest(c, "GET", f"/api/v1/rooms/{w['room']}/presence"),
    ),
    Rule(
        "GET /api/v1/rooms/{room_id}/chat",
        at_least("viewer"),
        lambda c, w: rest(c, "GET", f"/api/v1/rooms/{w['room']}/chat"),
    ),
    Rule(
        "POST /api/v1/rooms/{room_id}/chat",
        at_least("participant"),
        lambda c, w: rest(
            c,
            "POST",
            f"/api/v1/rooms/{w['room']}/chat",
            {"client_id": uuid.uuid4().hex, "body": "via REST"},
        ),
    ),
    Rule("POST /api/v1/rooms/{room_id}/archive", ("host",), archive_fresh_room),
    Rule(
        "POST /api/v1/rooms/{room_id}/bans",
        ("host",),
        lambda c, w: rest(c, "POST", f"/api/v1/rooms/{w['room']}/bans", {"user_id": "newbie"}),
    ),
    Rule(
        "GET /api/v1/rooms/{room_id}/bans",
        ("host",),
        lambda c, w: rest(c, "GET", f"/api/v1/rooms/{w['room']}/bans"),
    ),
    Rule("DELETE /api/v1/rooms/{room_id}/bans/{ban_id}", ("host",), lift_fresh_ban),
    # The operator API takes the operator token (SALON_OPERATOR_TOKEN), never a user's.
    Rule("POST /api/v1/admin/bans", (), lambda c, w: rest(c, "POST", ADMIN, {"user_id": "x"})),
    Rule("GET /api/v1/admin/bans", (), lambda c, w: rest(c, "GET", ADMIN)),
    Rule(
        "DELETE /api/v1/admin/bans/{ban_id}",
        (),
        lambda c, w: rest(c, "DELETE", f"{ADMIN}/nosuchban"),
    ),
]


RULES += rules_knowledge.RULES
RULES += rules_network.RULES
RULES += rules_answers.RULES
# Reached by everyone (health, metrics, version), or steering a replay only the caller's own
# socket holds (a foreign replay id is simply not_found): not role-dependent.
UNGUARDED = rules_network.UNGUARDED | {
    "GET /healthz",
    "GET /readyz",
    "GET /metrics",
    "GET /api/v1",
    "replay:pause",
    "replay:resume",
    "replay:seek",
    "replay:speed",
    "replay:close",
}


@pytest.fixture(scope="module")
def matrix_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    server = ServerProcess(
        tmp_path_factory.mktemp("matrix"),
        allow_guests="true",
        event_rate=10000,
        event_burst=10000,
        webhook_allow_private="true",
    )
    with server.running():
        yield server


async def make_world(server: ServerProcess) -> AsyncIterator[dict[str, Any]]:
    host = SalonClient(server.url, token=server.token("host"))
    await host.connect()

    async def members_room(title: str) -> str:
        room = str((await host.create_room(title, visibility="invite-only"))["id"])
        for role in MEMBER_ROLES[:-1]:
            await host.set_role(room, role, role)
        await host.set_role(room, "removed", "participant")
        await host.remove_member(room, "removed")
        await host.join(room)
        return room

    room = await members_room("Matrix")
    message = (await host.send_chat(room, "react to me"))["id"]
    await host.request("POST", f"/api/v1/rooms/{room}/documents", {"name": "notes"})
    ended = (await host.schedule_session(room, "Earlier"))["id"]
    await host.start_session(ended)
    await host.end_session(ended)
    live = (await host.schedule_session(room, "Now"))["id"]
    await host.start_session(live)

    async def as_caller(client: SalonClient) -> SalonClient:
        # A second connection of the caller, to prepare what the action under test needs.
        author = SalonClient(server.url, token=client.token)
        await author.connect()
        await author.join(room)
        return author

    async def own_message(client: SalonClient) -> int:
        # A viewer's own message was written before a demotion: the rule under test is whether
        # a viewer may still change it (no: viewers only read).
        token = client.token or ""
        caller = token and jwt.decode(token, options={"verify_signature": False})["sub"]
        if caller == "viewer":
            await host.set_role(room, "viewer", "participant")
        author = await as_caller(client)
        try:
            return int((await author.send_chat(room, "mine"))["id"])
        finally:
            await author.close()
            if caller == "viewer":
                await host.set_role(room, "viewer", "viewer")

    async def own_question(client: SalonClient) -> int:
        author = await as_caller(client)
        try:
            return int((await author.ask(room, "My own question?"))["id"])
        finally:
            await author.close()

    async def own_answer(client: SalonClient) -> int:
        question = await fresh_question()
        author = await as_caller(client)
        try:
            return int((await author.answer(question, "My answer"))["answers"][-1]["id"])
        finally:
            await author.close()

    async def fresh_question() -> int:
        return int((await host.ask(room, f"Question {secrets.token_hex(3)}?"))["id"])

    async def fresh_answered() -> tuple[int, int]:
        question = await fresh_question()
        answered = await host.answer(question, "An answer")
        return question, int(answered["answers"][-1]["id"])

    async def fresh_session(started: bool = False) -> tuple[str, str]:
        other = await members_room("Spare")
        session = str((await host.schedule_session(other, "Spare session"))["id"])
        if started:
            await host.start_session(session)
        return other, session

    async def fresh_document() -> str:
        name = f"doc-{secrets.token_hex(3)}"
        await host.request("POST", f"/api/v1/rooms/{room}/documents", {"name": name})
        return name

    async def fresh_room() -> str:
        return await members_room("Spare")

    yield {
        "room": room,
        "message": message,
        "host": host,
        "own_message": own_message,
        "own_question": own_question,
        "own_answer": own_answer,
        "fresh_question": fresh_question,
        "fresh_answered": fresh_answered,
        "fresh_session": fresh_session,
        "fresh_document": fresh_document,
        "fresh_room": fresh_room,
        "live": live,
        "ended": ended,
    }
    await host.close()


def client_for(server: ServerProcess, caller: str) -> SalonClient:
    if caller == "anonymous":
        return SalonClient(server.url, reconnection=False)
    if caller == "expired":
        return SalonClient(server.url, token=server.token("late", ttl=-5), reconnection=False)
    if caller == "guest":
        return SalonClient(server.url, guest_name="Guest", reconnection=False)
    return SalonClient(server.url, token=server.token(caller), reconnection=False)


async def attempt(server: ServerProcess, caller: str, rule: Rule, world: dict[str, Any]) -> str:
    client = client_for(server, caller)
    try:
        try:
            await client.connect()
        except SalonClientError as exc:
            if not rule.name.startswith(("GET ", "POST ", "PUT ", "PATCH ", "DELETE ")):
                return exc.code
        if rule.name not in ("room:join",) and client.sio.connected and caller in MEMBER_ROLES:
            await client.join(world["room"])
        await rule.action(client, world)
        return "ok"
    except SalonClientError as exc:
        return exc.code
    finally:
        await client.close()


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
async def test_matrix(matrix_server: ServerProcess, rule: Rule) -> None:
    async for world in make_world(matrix_server):
        outcomes = {c: await attempt(matrix_server, c, rule, world) for c in CALLERS}
    # "conflict" means the role check passed and a state rule refused (e.g. approving a
    # question that is not pending): authorized all the same.
    authorized = {c: o in ("ok", "conflict") for c, o in outcomes.items()}
    wrong = {
        c: o
        for c, o in outcomes.items()
        if authorized[c] != (c in rule.allowed) or (not authorized[c] and o not in REFUSALS)
    }
    assert not wrong, (rule.name, outcomes)


def test_every_event_and_endpoint_is_in_the_matrix(tmp_path: Path) -> None:
    from starlette.routing import Route

    from salon import api
    from salon.app import build_services
    from salon.core.config import Settings

    services, hub = build_services(Settings(data_dir=tmp_path, secret="x" * 40))
    names = {r.name.split(" (")[0] for r in RULES} | UNGUARDED
    events = {e for e in hub.sio.handlers["/"] if e not in ("connect", "disconnect", "*")}
    routes = {
        f"{m} {r.path}"
        for r in api.routes(services)
        if isinstance(r, Route)
        for m in r.methods or ()
        if m != "HEAD"
    }
    assert not (events | routes) - names


def test_docs_show_this_matrix() -> None:
    assert render(RULES) in (ROOT / "docs" / "security.md").read_text()


def test_anonymous_rest_is_refused(matrix_server: ServerProcess) -> None:
    assert httpx.get(matrix_server.url + "/api/v1/rooms").status_code == 401
