"""axe-core (from npm, injected into the page) over every view at 1280x800 and 390x844: no
serious or critical violation (WCAG 2.2 AA rules, colour contrast included). Each view is also
photographed at both sizes into test-artifacts/screenshots/<view>-<desktop|phone>.png."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.clients import user_id
from tests.support.servers import ServerProcess
from tests.support.services import require
from tests.web.conftest import Person
from tests.web.sdk import close, live_room, run
from tests.web.test_room import enter, expect

AXE = Path(__file__).resolve().parents[2] / "client/web/node_modules/axe-core/axe.min.js"
SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True},
}
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
CHECK = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({id: v.id, impact: v.impact,
                  nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' '))}));
}"""


def audit(person: Person, view: str, size: str) -> list[dict[str, Any]]:
    """axe's serious and critical findings on the page as it is now; a screenshot of it."""
    # evaluate() runs outside the page's CSP, which forbids injected scripts (rightly).
    if not person.page.evaluate("() => typeof axe !== 'undefined'"):
        person.page.evaluate(AXE.read_text() + "\n;0")
    found: list[dict[str, Any]] = person.page.evaluate(CHECK, TAGS)
    person.shot(f"{view}-{size}")
    return [{"view": view, **v} for v in found]


@pytest.fixture(scope="module")
def world(web_server: ServerProcess) -> dict[str, str]:
    """A live room with chat and an answered question, and an ended session to replay."""

    async def make() -> dict[str, str]:
        host, expert, live = await live_room(web_server, "Accessible room")
        await host.send_chat(live.room_id, "Hello **everyone**, see `notes`")
        asked = await host.ask(live.room_id, "Where are the staging certs?")
        await expert.answer(int(asked.get("question", asked)["id"]), "In the vault.")
        host2, expert2, past = await live_room(web_server, "Accessible archive")
        asked = await host2.ask(past.room_id, "How is the archive searched?")
        await expert2.answer(int(asked.get("question", asked)["id"]), "By words.")
        await host2.end_session(past.session_id)
        await close(host, expert, host2, expert2)
        return {
            "host": live.host_id,
            "expert": live.expert_id,
            "room": live.room_id,
            "session": past.session_id,
        }

    return dict(run(make()))


@pytest.mark.parametrize("size", list(SIZES))
def test_every_view_passes_axe(
    web_server: ServerProcess, people: Callable[..., Person], world: dict[str, str], size: str
) -> None:
    require(AXE.exists(), "axe-core is not installed (make node-deps)")
    found: list[dict[str, Any]] = []
    guest = people(f"Guest {size}", **SIZES[size])
    guest.page.goto(f"{web_server.url}/signin")
    expect(guest.page.get_by_role("heading").first).to_be_visible()
    found += audit(guest, "signin", size)

    host = people(f"Hanna {size}", **SIZES[size])
    page = host.page
    enter(host, web_server, world["host"], "/")
    expect(page.locator(".room-card").first).to_be_visible()
    found += audit(host, "lobby", size)

    page.goto(f"{web_server.url}/rooms/{world['room']}")
    expect(page.locator("#conn")).to_have_text("Online")
    expect(page.locator(".msg", has_text="everyone")).to_be_attached()
    if size == "phone":
        found += audit(host, "room-document", size)
    for tab, view in (("Chat", "room-chat"), ("Q&A", "room-qa"), ("People", "room-people")):
        page.get_by_role("tab", name=re.compile(f"^{re.escape(tab)}")).click()
        found += audit(host, view, size)

    page.goto(f"{web_server.url}/search?q=archive")
    expect(page.locator(".hit").first).to_be_visible()
    found += audit(host, "search", size)
    page.goto(f"{web_server.url}/experts")
    expect(page.locator(".leaderboard")).to_be_visible()
    found += audit(host, "experts", size)
    page.goto(f"{web_server.url}/experts/{world['expert']}")
    expect(page.locator(".stats")).to_be_visible()
    found += audit(host, "expert-profile", size)
    page.goto(f"{web_server.url}/replay/{world['session']}")
    expect(page.locator(".replay .questions")).to_be_visible()
    found += audit(host, "replay", size)
    # The learning network and ask-anytime views (issues 15 and 16).
    for path, view in (
        ("/for-you", "for-you"),
        ("/inbox", "inbox"),
        (f"/ask?room={world['room']}", "ask"),
        (f"/queue/{world['room']}", "queue"),
        (f"/kb/rooms/{world['room']}", "kb"),
    ):
        page.goto(f"{web_server.url}{path}")
        expect(page.locator("#view h1").first).to_be_visible()
        expect(page.locator("#view").get_by_text(re.compile("^Loading"))).to_have_count(0)
        found += audit(host, view, size)
    page.goto(f"{web_server.url}/rooms/no-such-room")
    expect(page.get_by_role("alert").first).to_be_visible()
    found += audit(host, "room-refused", size)
    assert found == [], json.dumps(found, indent=1)


def test_search_with_emoji_and_keyboard_only_round(
    web_server: ServerProcess, people: Callable[..., Person], world: dict[str, str]
) -> None:
    """Keyboard alone: the skip link, then Tab reaches the room's tabs; arrows switch them."""
    lea = people("Lea", viewport={"width": 1280, "height": 800})
    enter(lea, web_server, user_id("lea"), f"/rooms/{world['room']}")
    page = lea.page
    expect(page.locator(".msg", has_text="everyone")).to_be_attached()
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent")
    assert "Skip" in focused or focused.strip()
    page.get_by_role("tab", name=re.compile("^Chat")).focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name=re.compile("^Q&A"))).to_be_focused()
    expect(page.get_by_role("tab", name=re.compile("^Q&A"))).to_have_attribute(
        "aria-selected", "true"
    )
    # Visible focus: the focused tab draws a ring.
    ring = page.evaluate("() => getComputedStyle(document.activeElement).boxShadow")
    assert ring and ring != "none"


def test_dialogs_are_in_the_page_and_escape_closes_them(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    async def make() -> Any:
        host, expert, setup = await live_room(web_server, "Dialogs")
        await host.ask(setup.room_id, "Should I withdraw this?")
        await close(host, expert)
        return setup

    setup = run(make())
    hanna = people("Hanna", viewport={"width": 1280, "height": 800})
    page = hanna.page
    page.on("dialog", lambda d: (hanna.problems.append(f"native dialog: {d.message}"), d.dismiss()))
    enter(hanna, web_server, setup.host_id, f"/rooms/{setup.room_id}")
    page.get_by_role("tab", name=re.compile("^Q&A")).click()
    question = page.locator(".question", has_text="Should I withdraw this?")
    withdraw = question.get_by_role("button", name="Withdraw")
    withdraw.click()
    dialog = page.get_by_role("dialog", name="Withdraw your question?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Withdraw")).to_be_focused()
    hanna.shot("dialog-desktop")
    found = audit(hanna, "dialog", "desktop")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(question).to_be_visible()
    expect(withdraw).to_be_focused()
    # Keyboard alone: Enter on the focused Withdraw opens it again, Enter confirms.
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    page.keyboard.press("Enter")
    expect(question).to_have_count(0)
    assert found == [], json.dumps(found, indent=1)


def test_room_by_keyboard_alone(
    web_server: ServerProcess, people: Callable[..., Person], world: dict[str, str]
) -> None:
    """From the skip link to a sent chat message without a mouse, with a visible ring on
    every control on the way."""
    kim = people("Kim", viewport={"width": 1280, "height": 800})
    enter(kim, web_server, user_id("kim"), f"/rooms/{world['room']}")
    page = kim.page
    expect(page.locator(".msg", has_text="everyone")).to_be_attached()
    # The router focuses the view after each navigation (so a reader starts there); the skip
    # link is the first stop of a fresh page, as on any reload.
    page.reload()
    expect(page.locator(".msg", has_text="everyone")).to_be_attached()
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    skip = page.get_by_role("link", name="Skip to content")
    skip.focus()
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    rings: list[str] = []
    for _ in range(60):
        page.keyboard.press("Tab")
        state = page.evaluate(
            """() => { const el = document.activeElement;
                 return [el.getAttribute('aria-label') || '', getComputedStyle(el).boxShadow,
                         el.closest('.cm-editor') !== null]; }"""
        )
        if not state[2]:
            rings.append(state[1])
        if state[0] == "Message":
            break
    else:
        raise AssertionError("Tab never reached the chat composer")
    assert all(ring and ring != "none" for ring in rings), rings
    page.keyboard.type("Sent by keyboard alone")
    page.keyboard.press("Enter")
    expect(page.locator(".msg", has_text="Sent by keyboard alone")).to_be_visible()
