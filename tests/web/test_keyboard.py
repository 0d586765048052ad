"""Keyboard alone, over every view: Tab from the top of the page reaches every interactive
control, in document order (the skip link, the header and its navigation, then the view's
main content as it reads), each stop draws a visible focus indicator, and Tab leaves the page
after the last control (nothing traps focus; an open dialog does, and gives focus back when it
closes). The main actions of each view work with Enter, Space and the arrow keys."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.clients import user_id
from tests.support.servers import ServerProcess
from tests.web.conftest import Person
from tests.web.sdk import close, live_room, run
from tests.web.test_room import enter, expect

SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True},
}
MAX_STOPS = 250

# Every control Tab must reach, numbered in document order. A roving tablist (one tab with
# tabindex=0) and a radio group count once, as the browser stops at them once.
MARK = """() => {
  const seen = new Set();
  // checkVisibility() also sees the closed <details> (content-visibility: hidden).
  const shown = (el) => el.checkVisibility({visibilityProperty: true})
    && !el.closest('[hidden], [inert], dialog:not([open])');
  const all = [...document.querySelectorAll(
    'a[href], button, input, select, textarea, summary, [tabindex], [contenteditable=true]')];
  document.querySelectorAll('[data-kb]').forEach((el) => el.removeAttribute('data-kb'));
  let n = 0;
  const wanted = [];
  for (const el of all) {
    if (el.tabIndex < 0 || el.disabled || !shown(el)) continue;
    if (el.closest('.cm-editor') && !el.classList.contains('cm-content')) continue;
    if (el.type === 'radio' && el.name) {
      const key = 'radio:' + el.name;
      if (seen.has(key)) continue;
      seen.add(key);
    }
    el.setAttribute('data-kb', String(n));
    wanted.push({n, what: describe(el)});
    n += 1;
  }
  return wanted;
  function describe(el) {
    return (el.tagName.toLowerCase() + ' ' + (el.getAttribute('aria-label') || el.textContent
      || el.getAttribute('placeholder') || el.name || '').trim()
      .replace(/\\s+/g, ' ')).slice(0, 60);
  }
}"""

# Where focus is now: its number, its region, whether a ring is drawn, whether it is shown.
STOP = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const radio = el.type === 'radio' && el.name
    ? document.querySelector(`input[type=radio][name="${el.name}"][data-kb]`) : null;
  const marked = radio || el;
  const ringed = el.closest('.cm-editor') || el;
  const style = getComputedStyle(ringed);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow && style.boxShadow !== 'none';
  const rect = el.getBoundingClientRect();
  return {
    n: marked.hasAttribute('data-kb') ? Number(marked.getAttribute('data-kb')) : null,
    region: el.closest('dialog[open]') ? 'dialog' : el.closest('header') ? 'header'
      : el.closest('main') ? 'main' : el.classList.contains('skip') ? 'skip' : 'other',
    ring: outline || shadow,
    shown: rect.width > 0 && rect.height > 0,
    what: (el.tagName.toLowerCase() + ' ' + (el.getAttribute('aria-label') || el.textContent
      || '').trim().replace(/\\s+/g, ' ')).slice(0, 60),
  };
}"""

IN_DIALOG = "() => document.activeElement.closest('dialog[open]') !== null"
IN_EDITOR = "() => document.activeElement?.closest('.cm-editor') !== null"
EDITOR_FOCUSED = "() => document.activeElement?.closest('.cm-editor.cm-focused') != null"


def walk(person: Person, view: str) -> list[dict[str, Any]]:
    """Tab from the top of the page until focus leaves it; assert what the module promises."""
    page = person.page
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    page.evaluate("() => window.scrollTo(0, 0)")
    wanted = page.evaluate(MARK)
    # Start before the first control, as on a fresh load: focus the document itself.
    page.evaluate("() => { document.body.tabIndex = -1; document.body.focus(); }")
    stops: list[dict[str, Any]] = []
    for _ in range(MAX_STOPS):
        page.keyboard.press("Tab")
        stop = page.evaluate(STOP)
        if stop is None:
            break
        if not stop["ring"] and page.evaluate(IN_EDITOR):
            # CodeMirror marks itself focused (.cm-focused, which draws the ring) a moment
            # after the focus event.
            page.wait_for_function(EDITOR_FOCUSED)
            stop = page.evaluate(STOP)
        if stops and stop["n"] is not None and stop["n"] == stops[0]["n"]:
            break
        stops.append(stop)
    else:
        raise AssertionError(f"{view}: Tab never left the page (a focus trap?): {stops[-5:]}")
    reached = {s["n"] for s in stops if s["n"] is not None}
    missing = [w for w in wanted if w["n"] not in reached]
    assert missing == [], f"{view}: Tab never reaches {missing}"
    numbered = [s["n"] for s in stops if s["n"] is not None]
    assert numbered == sorted(numbered), f"{view}: Tab order is not the reading order: {stops}"
    regions = [s["region"] for s in stops if s["region"] in ("skip", "header", "main")]
    order = {"skip": 0, "header": 1, "main": 2}
    assert [order[r] for r in regions] == sorted(order[r] for r in regions), (
        f"{view}: the header is not before the content: {regions}"
    )
    assert regions and regions[0] == "skip", f"{view}: the skip link is not the first stop"
    unringed = [s["what"] for s in stops if not s["ring"]]
    assert unringed == [], f"{view}: no visible focus indicator on {unringed}"
    hidden = [s["what"] for s in stops if not s["shown"]]
    assert hidden == [], f"{view}: focus lands on something not shown: {hidden}"
    return stops


def tab_to(person: Person, selector: str, limit: int = MAX_STOPS) -> None:
    """Press Tab (keyboard only) until the focused element matches selector."""
    page = person.page
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def start_over(person: Person) -> None:
    person.page.evaluate("() => { document.body.tabIndex = -1; document.body.focus(); }")


@pytest.fixture(scope="module")
def scene(web_server: ServerProcess) -> dict[str, str]:
    """A live room with chat and an open question from the expert (the host upvotes it), and
    an ended session with an answered question to search for and replay."""

    async def make() -> dict[str, str]:
        host, expert, live = await live_room(web_server, "Keyboard room")
        await host.send_chat(live.room_id, "Welcome, **keyboard** people")
        await expert.ask(live.room_id, "Which port does staging use?")
        host2, expert2, past = await live_room(web_server, "Keyboard archive")
        asked = await host2.ask(past.room_id, "Where do the keyboard runbooks live?")
        await expert2.answer(int(asked.get("question", asked)["id"]), "In the wiki.")
        await host2.send_chat(past.room_id, "Thanks for the keyboard tour")
        await host2.end_session(past.session_id)
        await close(host, expert, host2, expert2)
        return {
            "host": live.host_id,
            "expert": live.expert_id,
            "room": live.room_id,
            "past_room": past.room_id,
            "session": past.session_id,
        }

    return dict(run(make()))


@pytest.mark.parametrize("size", list(SIZES))
def test_every_view_by_tab_alone(
    web_server: ServerProcess, people: Callable[..., Person], scene: dict[str, str], size: str
) -> None:
    guest = people(f"Guest {size}", **SIZES[size])
    guest.page.goto(f"{web_server.url}/signin")
    expect(guest.page.get_by_role("heading").first).to_be_visible()
    walk(guest, f"signin-{size}")

    host = people(f"Hanna {size}", **SIZES[size])
    page = host.page
    enter(host, web_server, scene["host"], "/")
    expect(page.locator(".room-card").first).to_be_visible()
    walk(host, f"lobby-{size}")

    page.goto(f"{web_server.url}/rooms/{scene['room']}")
    expect(page.locator("#conn")).to_have_text("Online")
    expect(page.locator(".msg", has_text="keyboard")).to_be_attached()
    tabs = ["Chat", "Q&A", "People"] if size == "desktop" else ["Document", "Chat", "Q&A", "People"]
    for tab in tabs:
        page.get_by_role("tab", name=re.compile(f"^{re.escape(tab)}")).click()
        walk(host, f"room-{tab}-{size}")

    views = {
        "search": ("/search?q=keyboard", ".hit"),
        "experts": ("/experts", ".leaderboard"),
        "expert-profile": (f"/experts/{scene['expert']}", ".stats"),
        "replay": (f"/replay/{scene['session']}", ".replay .questions"),
        "for-you": ("/for-you", "main h1"),
        "inbox": ("/inbox", "main h1"),
        "ask": ("/ask", "main h1"),
        "queue": (f"/queue/{scene['room']}", "main h1"),
        "kb": (f"/kb/rooms/{scene['past_room']}", "main h1"),
    }
    for view, (path, ready) in views.items():
        page.goto(f"{web_server.url}{path}")
        expect(page.locator(ready).first).to_be_visible()
        expect(page.locator("main [role=status]", has_text=re.compile("…$"))).to_have_count(0)
        walk(host, f"{view}-{size}")


@pytest.mark.parametrize("size", list(SIZES))
def test_room_actions_by_keyboard(
    web_server: ServerProcess, people: Callable[..., Person], scene: dict[str, str], size: str
) -> None:
    """Arrows (and Home/End) switch the room's tabs; Enter sends a message and asks a
    question; Space upvotes."""
    hanna = people(f"Hanna keys {size}", **SIZES[size])
    enter(hanna, web_server, scene["host"], f"/rooms/{scene['room']}")
    page = hanna.page
    expect(page.locator("#conn")).to_have_text("Online")
    start_over(hanna)
    tab_to(hanna, ".room-tabs [role=tab][aria-selected=true]")
    first = "Document" if size == "phone" else "Chat"
    expect(page.get_by_role("tab", name=re.compile(f"^{first}"))).to_be_focused()
    page.keyboard.press("End")
    people_tab = page.get_by_role("tab", name=re.compile("^People"))
    expect(people_tab).to_be_focused()
    expect(people_tab).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name=re.compile(f"^{first}"))).to_have_attribute(
        "aria-selected", "true"
    )
    page.keyboard.press("Home")
    expect(page.get_by_role("tab", name=re.compile(f"^{first}"))).to_be_focused()
    if size == "phone":
        page.keyboard.press("ArrowRight")
    chat_tab = page.get_by_role("tab", name=re.compile("^Chat"))
    expect(chat_tab).to_have_attribute("aria-selected", "true")

    tab_to(hanna, "textarea[aria-label=Message], input[aria-label=Message]")
    page.keyboard.type(f"Typed on a {size}")
    page.keyboard.press("Enter")
    expect(page.locator(".msg", has_text=f"Typed on a {size}")).to_be_visible()

    start_over(hanna)
    tab_to(hanna, ".room-tabs [role=tab][aria-selected=true]")
    page.keyboard.press("ArrowRight")
    qa_tab = page.get_by_role("tab", name=re.compile("^Q&A"))
    expect(qa_tab).to_be_focused()
    expect(qa_tab).to_have_attribute("aria-selected", "true")
    # By its own text: a host's "Merge into…" picker on other questions names it too.
    question = page.locator(".question").filter(
        has=page.locator(".q-body", has_text="Which port does staging use?")
    )
    vote = question.locator("button.vote")
    expect(vote).to_be_visible()
    pressed = vote.get_attribute("aria-pressed")
    tab_to(hanna, f".question[data-question='{question.get_attribute('data-question')}'] .vote")
    page.keyboard.press("Space")
    expect(vote).not_to_have_attribute("aria-pressed", pressed or "")
    page.keyboard.press("Space")
    expect(vote).to_have_attribute("aria-pressed", pressed or "false")

    start_over(hanna)
    tab_to(hanna, ".panel-qa .ask textarea")
    page.keyboard.type(f"Asked by keyboard on a {size}?")
    tab_to(hanna, ".panel-qa .ask button[type=submit]", limit=3)
    page.keyboard.press("Enter")
    expect(page.locator(".q-body", has_text=f"Asked by keyboard on a {size}?")).to_be_visible()


def test_search_and_replay_by_keyboard(
    web_server: ServerProcess, people: Callable[..., Person], scene: dict[str, str]
) -> None:
    """Type a query and press Enter, open a hit with Enter, then play and pause with Space."""
    kim = people("Kim keys", viewport={"width": 1280, "height": 800})
    enter(kim, web_server, user_id("kim"), "/search")
    page = kim.page
    start_over(kim)
    tab_to(kim, "main input[type=search], main input[name=q]")
    page.keyboard.type("runbooks")
    page.keyboard.press("Enter")
    expect(page.locator(".hit").first).to_be_visible()
    start_over(kim)
    tab_to(kim, ".hit a[href^='/replay/']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"/replay/{scene['session']}"))
    play = page.locator("button.play")
    expect(play).to_be_visible()
    start_over(kim)
    tab_to(kim, "button.play")
    expect(play).to_have_text("Play")
    page.keyboard.press("Space")
    expect(play).to_have_text("Pause")
    page.keyboard.press("Enter")
    expect(play).to_have_text("Play")
    # The slider moves with the arrows; the document tabs are a roving tablist.
    tab_to(kim, "input[type=range]")
    # Playing may have reached the end of this short session: Home first, then End moves it.
    page.keyboard.press("Home")
    expect(page.locator("input[type=range]")).to_have_value("0")
    before = page.locator("input[type=range]").input_value()
    page.keyboard.press("End")
    expect(page.locator("input[type=range]")).not_to_have_value(before)


def test_dialog_traps_focus_and_gives_it_back(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    async def make() -> Any:
        host, expert, setup = await live_room(web_server, "Keyboard dialogs")
        await host.ask(setup.room_id, "Trap me in a dialog?")
        await close(host, expert)
        return setup

    setup = run(make())
    hanna = people("Hanna dialog", viewport={"width": 1280, "height": 800})
    enter(hanna, web_server, setup.host_id, f"/rooms/{setup.room_id}")
    page = hanna.page
    start_over(hanna)
    tab_to(hanna, ".room-tabs [role=tab][aria-selected=true]")
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name=re.compile("^Q&A"))).to_have_attribute(
        "aria-selected", "true"
    )
    question = page.locator(".question").filter(
        has=page.locator(".q-body", has_text="Trap me in a dialog?")
    )
    withdraw = question.get_by_role("button", name="Withdraw")
    tab_to(hanna, f".question[data-question='{question.get_attribute('data-question')}'] .danger")
    expect(withdraw).to_be_focused()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Withdraw your question?")
    expect(dialog).to_be_visible()
    inside = []
    for key in ["Tab"] * 6 + ["Shift+Tab"] * 6:
        page.keyboard.press(key)
        inside.append(page.evaluate(IN_DIALOG))
        ring = page.evaluate(
            "() => [getComputedStyle(document.activeElement).boxShadow,"
            " document.activeElement.outerHTML.slice(0, 80)]"
        )
        assert ring[0] and ring[0] != "none", (key, ring)
    assert all(inside), inside
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(withdraw).to_be_focused()
    expect(question).to_be_visible()
