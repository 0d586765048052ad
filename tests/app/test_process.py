"""Whole-process behaviour: durability across kill -9, guests, rate limits, the CLI."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from salon_client import SalonClient, SalonClientError
from tests.support.clients import connected, new_room, user_id
from tests.support.servers import ServerProcess


async def test_acknowledged_chat_survives_kill_9(own_server: ServerProcess) -> None:
    own_server.start()
    alice = user_id("alice")
    async with connected(own_server, alice) as (a,):
        room = await new_room(a)
        await a.join(room)
        acked = [await a.send_chat(room, f"line {i}") for i in range(50)]
    own_server.kill()
    own_server.start()
    async with connected(own_server, alice) as (a,):
        history = await a.history(room, limit=100)
    assert [m["id"] for m in history["messages"]] == [m["id"] for m in acked]


async def test_sigterm_drains_and_clients_come_back(own_server: ServerProcess) -> None:
    own_server.start()
    alice = user_id("alice")
    async with connected(own_server, alice) as (a,):
        room = await new_room(a)
        await a.join(room)
        await a.send_chat(room, "before the restart")
        a.sio.reconnection_delay, a.sio.randomization_factor = 0.5, 0.0
        # uvicorn re-raises SIGTERM after its graceful shutdown, so the status is -SIGTERM.
        assert own_server.stop() in (0, -signal.SIGTERM)
        log = own_server.log()
        assert "stopped" in log and "Application shutdown complete" in log
        own_server.start()  # same port, as a restarted node behind the same address
        rejoined = await a.wait_for("client:rejoined", timeout=20)
        assert rejoined["room_id"] == room and rejoined["missed"] == []
        await a.send_chat(room, "after the restart")
        assert len((await a.history(room))["messages"]) == 2


async def test_guests_join_public_rooms_when_enabled(own_server: ServerProcess) -> None:
    own_server.settings.update(allow_guests="true", guest_role="viewer")
    own_server.start()
    host = user_id("host")
    async with connected(own_server, host) as (h,):
        public = await new_room(h)
        private = await new_room(h, visibility="invite-only")
        guest = SalonClient(own_server.url, guest_name="  Curious   Visitor ")
        await guest.connect()
        try:
            joined = await guest.join(public)
            assert joined["role"] == "viewer"
            me = next(p for p in joined["presence"] if p["guest"])
            assert me["name"] == "Curious Visitor" and me["user_id"].startswith("guest:")
            with pytest.raises(SalonClientError) as err:
                await guest.send_chat(public, "hi")
            assert err.value.code == "forbidden"
            with pytest.raises(SalonClientError) as err:
                await guest.join(private)
            assert err.value.code == "not_member"
        finally:
            await guest.close()


async def test_chat_flood_is_throttled_without_disturbing_others(own_server: ServerProcess) -> None:
    own_server.settings.update(chat_rate=2, chat_burst=5)
    own_server.start()
    spammer, calm = user_id("spammer"), user_id("calm")
    async with connected(own_server, spammer, calm) as (s, c):
        room = await new_room(s)
        await s.join(room)
        await c.join(room)
        codes = []
        for i in range(12):
            try:
                await s.send_chat(room, f"spam {i}")
                codes.append("ok")
            except SalonClientError as exc:
                codes.append(exc.code)
        assert codes[:5] == ["ok"] * 5 and "rate_limited" in codes[5:]
        await c.send_chat(room, "I can still talk")
        stored = (await c.history(room, limit=100))["messages"]
        assert len(stored) == codes.count("ok") + 1


def test_cli_documents_its_options() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "salon", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for flag in (
        "--host",
        "--port",
        "--data-dir",
        "--database-url",
        "--redis-url",
        "--secret",
        "--log-level",
        "--allow-guests",
        "SALON_DATABASE_URL",
    ):
        assert flag in out
    token = subprocess.run(
        [
            sys.executable,
            "-m",
            "salon",
            "token",
            "create",
            "--user",
            "u1",
            "--name",
            "U",
            "--secret",
            "x" * 40,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert token.count(".") == 2
