"""Outbound webhooks against a real local HTTP receiver: registered by hosts (rooms) and
operators (tags), signed with HMAC-SHA256, retried with backoff, and kept in a durable outbox
that a restart of the server does not lose."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from salon_client import SalonClientError
from tests.support.clients import connected, new_room, user_id
from tests.support.servers import ServerProcess, free_port
from tests.support.services import postgres_database, require_service

OPERATOR = "operator-1"


class Receiver:
    """An HTTP endpoint that records what it is sent; it can fail the next N requests."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.fail_next = 0
        self.arrived = asyncio.Event()
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if self.fail_next:
            self.fail_next -= 1
            return web.Response(status=503)
        self.received.append((dict(request.headers), body))
        self.arrived.set()
        return web.Response(status=204)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def event(self, name: str) -> dict[str, Any]:
        while True:
            for headers, body in self.received:
                if headers.get("X-Salon-Event") == name:
                    return dict(json.loads(body))
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), 30)


@pytest.fixture(params=["sqlite", "postgres"])
def hooked(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    settings = {
        "webhook_allow_private": "true",
        "webhook_backoff": 0.2,
        "operators": json.dumps([OPERATOR]),
    }
    if request.param == "postgres":
        require_service("postgres")
        with postgres_database() as url:
            proc = ServerProcess(tmp_path / "data", database_url=url, **settings)
            yield proc
            proc.stop()
    else:
        proc = ServerProcess(tmp_path / "data", **settings)
        yield proc
        proc.stop()


def signed(secret: str, headers: dict[str, str], body: bytes) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["X-Salon-Signature"])


async def test_events_are_signed_retried_and_survive_a_restart(hooked: ServerProcess) -> None:
    receiver = Receiver()
    await receiver.start()
    hooked.start()
    try:
        host, erin, ann = user_id("host"), user_id("erin"), user_id("ann")
        async with connected(hooked, host, erin, ann, OPERATOR) as (h, e, a, op):
            room = await new_room(h, title="Hooked", tags=["certs"])
            with pytest.raises(SalonClientError) as refused:
                await a.request(
                    "POST",
                    "/api/v1/webhooks",
                    {"scope": "room", "target": room, "url": receiver.url},
                )
            assert refused.value.code == "forbidden"
            with pytest.raises(SalonClientError) as refused:
                await h.request(
                    "POST",
                    "/api/v1/webhooks",
                    {"scope": "tag", "target": "certs", "url": receiver.url},
                )
            assert refused.value.code == "forbidden"  # tags are for operators
            for bad in (
                {"scope": "room", "target": room, "url": "ftp://x"},
                {"scope": "room", "target": room, "url": receiver.url, "events": ["nope"]},
            ):
                with pytest.raises(SalonClientError) as refused:
                    await h.request("POST", "/api/v1/webhooks", bad)
                assert refused.value.code == "bad_request"

            made = await h.request(
                "POST", "/api/v1/webhooks", {"scope": "room", "target": room, "url": receiver.url}
            )
            hook = made["webhook"]
            tagged = await op.request(
                "POST",
                "/api/v1/webhooks",
                {
                    "scope": "tag",
                    "target": "Certs",
                    "url": receiver.url,
                    "events": ["session.ended"],
                },
            )
            assert tagged["webhook"]["target"] == "certs"
            listed = await h.request("GET", "/api/v1/webhooks", scope="room", target=room)
            assert [w["id"] for w in listed["webhooks"]] == [hook["id"]]
            assert "secret" not in listed["webhooks"][0]

            receiver.fail_next = 2  # two failures, then the retry lands
            session = await h.schedule_session(room, "Hooked session", experts=[erin])
            scheduled = await receiver.event("session.scheduled")
            assert scheduled["session"]["id"] == session["id"] and scheduled["room"]["id"] == room
            headers, body = next(
                r for r in receiver.received if r[0]["X-Salon-Event"] == "session.scheduled"
            )
            assert signed(hook["secret"], headers, body)
            # The receiver has the third try; the sender records it once its response is in.
            for _ in range(100):
                log = await h.request("GET", f"/api/v1/webhooks/{hook['id']}/deliveries")
                first = log["deliveries"][-1]
                if first["delivered_at"]:
                    break
                await asyncio.sleep(0.1)
            assert first["attempts"] == 3 and first["delivered_at"] and first["last_error"] is None

            await h.start_session(session["id"])
            await h.join(room)
            q = await a.ask(room, "Does the hook fire?")
            await e.answer(q["id"], "Yes")
            await e.qa("mark_answered", question_id=q["id"], answered=True)
            answered = await receiver.event("question.answered")
            assert answered["question"]["id"] == q["id"] and answered["answer"]["body"] == "Yes"
            await receiver.event("session.started")

            # The receiver is down when the session ends, and so is Salon right after.
            await receiver.stop()
            await h.end_session(session["id"])
        hooked.stop()
        receiver = Receiver(receiver.port)  # back on the same address
        await receiver.start()
        hooked.start()
        ended = await receiver.event("session.ended")
        assert ended["session"]["status"] == "ended"
        ended_deliveries = [
            r for r in receiver.received if r[0]["X-Salon-Event"] == "session.ended"
        ]
        while len(ended_deliveries) < 2:  # the room's hook and the operator's tag hook
            receiver.arrived.clear()
            await asyncio.wait_for(receiver.arrived.wait(), 30)
            ended_deliveries = [
                r for r in receiver.received if r[0]["X-Salon-Event"] == "session.ended"
            ]
        async with connected(hooked, host) as (h,):
            await h.request("DELETE", f"/api/v1/webhooks/{hook['id']}")
            assert (await h.request("GET", "/api/v1/webhooks", scope="room", target=room))[
                "webhooks"
            ] == []
    finally:
        await receiver.stop()
        hooked.stop()
