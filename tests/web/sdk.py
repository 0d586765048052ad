"""The browser tests' helpers for the real Socket.IO SDK: people and sessions made through it,
on one event loop in a background thread (Playwright's sync API keeps its own loop in the
test's thread, and an SDK client must stay on the loop it was made on)."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any

from salon_client import SalonClient
from tests.support.clients import user_id
from tests.support.servers import ServerProcess

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True}


@dataclass
class Setup:
    host_id: str
    expert_id: str
    room_id: str
    session_id: str


async def client(server: ServerProcess, uid: str) -> SalonClient:
    client = SalonClient(server.url, token=server.token(uid, uid.split("-")[0].title()))
    await client.connect()
    return client


async def live_room(server: ServerProcess, title: str) -> tuple[SalonClient, SalonClient, Setup]:
    host_id, expert_id = user_id("hanna"), user_id("ezra")
    host, expert = await client(server, host_id), await client(server, expert_id)
    room = await host.create_room(title)
    await expert.join(room["id"])
    session = await host.schedule_session(room["id"], title, experts=[expert_id])
    session_id = session["session"]["id"] if "session" in session else session["id"]
    await host.start_session(session_id)
    await host.join(room["id"])
    return host, expert, Setup(host_id, expert_id, room["id"], session_id)


class _Loop:
    """Playwright's sync API keeps an event loop in the test's thread: the SDK clients live on
    one loop in a background thread, so a client made by one call can be used by the next."""

    loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def get(cls) -> asyncio.AbstractEventLoop:
        if cls.loop is None:
            cls.loop = asyncio.new_event_loop()
            threading.Thread(target=cls.loop.run_forever, daemon=True).start()
        return cls.loop


def run(coroutine: Any) -> Any:
    return asyncio.run_coroutine_threadsafe(coroutine, _Loop.get()).result(timeout=60)


async def close(*clients: SalonClient) -> None:
    for one in clients:
        await one.close()
