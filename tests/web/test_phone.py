"""The room on a phone (390x844): one pane at a time under a bottom tab bar with unread badges,
toasts that do not cover the composer, and a leaderboard that reflows instead of scrolling
sideways."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tests.support.clients import user_id
from tests.support.servers import ServerProcess
from tests.web.conftest import Person, assert_labelled
from tests.web.sdk import PHONE, close, live_room, run
from tests.web.test_room import enter, expect


def box(locator: Any) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None
    return dict(found)


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_phone_room_has_a_tab_bar_with_unread_badges(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    host, expert, setup = run(live_room(web_server, "On the go"))
    bob_id = user_id("bob")
    bob = people("Bob on a phone", **PHONE)
    enter(bob, web_server, bob_id, f"/rooms/{setup.room_id}")
    page = bob.page
    bar = page.get_by_role("tablist", name="Room panels")
    # The bar renders once the room has loaded; wait for it before reading the tab names.
    expect(bar.get_by_role("tab", name="Document")).to_be_visible()
    names = [t.strip() for t in bar.get_by_role("tab").all_inner_texts()]
    assert names == ["Document", "Chat", "Q&A", "People 2"] or names[:3] == [
        "Document",
        "Chat",
        "Q&A",
    ]
    # The bar sits at the bottom of the screen; the document is the first pane.
    assert box(bar)["y"] + box(bar)["height"] >= 844 - 2
    expect(page.get_by_role("tab", name="Document")).to_have_attribute("aria-selected", "true")
    expect(page.locator(".docs")).to_be_visible()
    expect(page.get_by_label("Message", exact=True)).to_be_hidden()
    bob.shot("room-phone-document")

    # Chat and a question arrive while Bob reads the document: badges count them.
    async def talk() -> None:
        await host.send_chat(setup.room_id, "Welcome, everyone")
        await host.ask(setup.room_id, "Who rotates the certs this week?")

    run(talk())
    expect(page.get_by_role("tab", name=re.compile("^Chat"))).to_contain_text("1")
    expect(page.get_by_role("tab", name=re.compile("^Q&A"))).to_contain_text("1")
    bob.shot("room-phone-badges")

    page.get_by_role("tab", name=re.compile("^Chat")).click()
    composer = page.get_by_label("Message", exact=True)
    expect(composer).to_be_visible()
    expect(page.locator(".docs")).to_be_hidden()
    expect(page.locator(".msg", has_text="Welcome, everyone")).to_be_visible()
    expect(page.get_by_role("tab", name=re.compile("^Chat")).locator(".count")).to_be_hidden()
    assert box(composer)["y"] + box(composer)["height"] <= box(bar)["y"]

    # A toast while typing shows at the top, away from the composer and the tab bar.
    composer.fill("typing something")
    with web_server.http(setup.host_id) as http:
        http.put(f"/api/v1/rooms/{setup.room_id}/members/{bob_id}", json={"role": "expert"})
    shown = page.locator(".toast", has_text="now expert")
    expect(shown).to_be_visible()
    assert not overlaps(box(shown), box(composer))
    assert not overlaps(box(shown), box(bar))
    bob.shot("room-phone-chat")

    page.get_by_role("tab", name=re.compile("^Q&A")).click()
    expect(page.locator(".question", has_text="rotates the certs")).to_be_visible()
    page.get_by_role("tab", name=re.compile("^People")).click()
    expect(page.locator(".people")).to_be_visible()
    assert_labelled(bob)
    bob.shot("room-phone-people")
    # Nothing needs a sideways swipe.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    run(close(host, expert))


def test_desktop_room_keeps_the_document_beside_the_panels(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    host, expert, setup = run(live_room(web_server, "At the desk"))
    run(close(host, expert))
    alice = people("Alice", viewport={"width": 1280, "height": 800})
    enter(alice, web_server, setup.host_id, f"/rooms/{setup.room_id}")
    expect(alice.page.get_by_role("tab", name="Document")).to_be_hidden()
    expect(alice.page.locator(".docs")).to_be_visible()
    expect(alice.page.get_by_label("Message", exact=True)).to_be_visible()


def test_leaderboard_reflows_on_a_phone(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    async def answered() -> None:
        host, expert, setup = await live_room(web_server, "Leaderboard")
        asked = await host.ask(setup.room_id, "Anything?")
        await expert.answer(int(asked.get("question", asked)["id"]), "Everything.")
        await close(host, expert)

    run(answered())
    lea = people("Lea on a phone", **PHONE)
    enter(lea, web_server, user_id("lea"), "/experts")
    expect(lea.page.locator(".leaderboard tbody tr").first).to_be_visible()
    # The room filter is a picker of room titles, not a box for a raw id.
    expect(lea.page.get_by_label("Room").locator("option").first).to_have_text("Every room")
    expect(lea.page.get_by_label("Room").locator("option", has_text="Leaderboard")).to_have_count(1)
    assert lea.page.evaluate("() => document.documentElement.scrollWidth") <= 390
    table = lea.page.locator(".leaderboard")
    assert box(table)["width"] <= 390
    lea.shot("experts-phone-reflow")


def test_desktop_toasts_stay_off_the_composer(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    host, expert, setup = run(live_room(web_server, "Desk toasts"))
    run(close(host, expert))
    erin = people("Erin", viewport={"width": 1280, "height": 800})
    enter(erin, web_server, setup.expert_id, f"/rooms/{setup.room_id}")
    composer = erin.page.get_by_label("Message", exact=True)
    composer.fill("typing while things happen")
    with web_server.http(setup.host_id) as http:
        http.put(
            f"/api/v1/rooms/{setup.room_id}/members/{setup.expert_id}", json={"role": "viewer"}
        )
    shown = erin.page.locator(".toast", has_text="now viewer")
    expect(shown).to_be_visible()
    assert not overlaps(box(shown), box(erin.page.locator(".chat")))
