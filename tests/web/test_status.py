"""Status where people look: LIVE on room cards and in the room header, a copy button for the
share link, and a live region that announces new chat messages and questions."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tests.support.clients import user_id
from tests.support.servers import ServerProcess
from tests.web.conftest import Person
from tests.web.sdk import close, live_room, run
from tests.web.test_room import enter, expect


def test_live_badges_copy_link_and_announcements(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    host, expert, setup = run(live_room(web_server, "Status board"))
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
    run(close(host, expert))


def test_search_hits_name_their_place_and_the_replay_shows_that_moment(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    word = f"zebracert{user_id('w').split('-')[1]}"

    async def make() -> Any:
        host, expert, setup = await live_room(web_server, "Archive status")
        sent = await host.send_chat(setup.room_id, f"first take on {word}")
        message = sent.get("message", sent)
        await host.edit_chat(setup.room_id, message["id"], f"second take on {word}")
        await expert.react(setup.room_id, message["id"], "👍")
        await host.end_session(setup.session_id)
        await close(host, expert)
        return setup

    setup = run(make())
    lea = people("Lea", viewport={"width": 1280, "height": 800})
    enter(lea, web_server, setup.host_id, f"/search?q={word}&room={setup.room_id}")
    page = lea.page
    hit = page.locator(".hit").first
    expect(hit.locator(".hit-where")).to_have_text("in Archive status · Archive status")
    # The room filter is a picker that names the room, not a raw id.
    room = page.get_by_label("Room")
    expect(room.locator("option:checked")).to_have_text("Archive status")
    expect(page.get_by_label("Expert").locator("option").first).to_have_text("Any expert")
    lea.shot("search-where")
    hit.get_by_role("link", name="Replay at this moment").click()
    expect(page).to_have_url(re.compile(r"hit=chat"))
    linked = page.locator(".replay .msg.linked")
    expect(linked).to_contain_text(word)
    # At the end of the session: the edit and the reaction are shown as they were.
    # (This session lasted milliseconds: the 100 ms slider steps cannot reach its end.)
    page.goto(f"{web_server.url}/replay/{setup.session_id}?t=100000000")
    final = page.locator(".replay .msg", has_text="second take")
    expect(final.locator(".head")).to_contain_text("(edited)")
    expect(final.locator(".reactions")).to_contain_text("👍 1")
    lea.shot("replay-linked")


def color_of(uid: str) -> int:
    """src/auth.js colorOf: the palette slot a user id hashes to."""
    value = 0
    for ch in uid:
        value = (value * 31 + ord(ch)) % 2**32
    return value % 12


def test_cursor_colours_differ_even_when_ids_collide(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    first = user_id("ann")
    second = next(u for u in (user_id("ben") for _ in range(500)) if color_of(u) == color_of(first))
    with web_server.http(first) as http:
        room_id = http.post("/api/v1/rooms", json={"title": "Colours"}).json()["room"]["id"]
    ann, ben = people("Ann"), people("Ben")
    enter(ann, web_server, first, f"/rooms/{room_id}")
    enter(ben, web_server, second, f"/rooms/{room_id}")
    for person in (ann, ben):
        person.page.locator(".cm-content").click()
        person.page.keyboard.type(f"{person.name} was here. ")
    sees_ben = ann.page.locator(".cm-ySelectionCaret", has_text="Ben")
    sees_ann = ben.page.locator(".cm-ySelectionCaret", has_text="Ann")
    expect(sees_ben).to_be_visible()
    expect(sees_ann).to_be_visible()

    def slot(locator: Any) -> str:
        classes = (locator.get_attribute("class") or "").split()
        return next((c for c in classes if re.fullmatch(r"c\d+", c)), "")

    # Their ids hash to one slot: the later of the two moves to a free one, so within a few
    # awareness updates each page shows the other in a different colour.
    colours = (slot(sees_ben), slot(sees_ann))
    for _ in range(50):
        if colours[0] != colours[1]:
            break
        ann.page.wait_for_timeout(100)
        colours = (slot(sees_ben), slot(sees_ann))
    assert colours[0] != colours[1], colours
    ann.shot("room-cursors")
