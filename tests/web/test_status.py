"""Status where people look: LIVE on room cards and in the room header, a copy button for the
share link, and a live region that announces new chat messages and questions."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.support.clients import user_id
from tests.support.servers import ServerProcess
from tests.web.conftest import Person
from tests.web.test_first_session import _live_room, run
from tests.web.test_phone import _close
from tests.web.test_room import enter, expect


def test_live_badges_copy_link_and_announcements(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    host, expert, setup = run(_live_room(web_server, "Status board"))
    bob_id = user_id("bob")
    bob = people(
        "Bob",
        viewport={"width": 1280, "height": 800},
        permissions=["clipboard-read", "clipboard-write"],
    )
    enter(bob, web_server, bob_id, "/?q=Status+board")
    page = bob.page
    card = page.locator(".room-card", has_text="Status board")
    expect(card.locator(".live-badge")).to_have_text("LIVE")
    card.get_by_role("link", name="Status board").click()
    expect(page.locator(".room-head .live-badge")).to_be_visible()

    page.get_by_role("button", name="Copy link").click()
    expect(page.locator(".toast", has_text="Link copied")).to_be_visible()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied.endswith(f"/rooms/{setup.room_id}")

    async def talk() -> None:
        await host.send_chat(setup.room_id, "Starting in a minute")
        await host.ask(setup.room_id, "Is the recording on?")

    run(talk())
    log = page.get_by_role("log", name="Announcements")
    expect(log).to_contain_text("Hanna: Starting in a minute")
    expect(log).to_contain_text("New question: Is the recording on?")

    run(host.end_session(setup.session_id))
    expect(page.locator(".room-head .live-badge")).to_be_hidden()
    page.get_by_role("tab", name=re.compile("^Q&A")).click()
    run(_close(host, expert))
