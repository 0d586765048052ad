"""Ask an expert anytime in the browser: the "already answered?" panel while typing (with
"this answered it"), asking with no session live, an expert answering from the queue, and a
knowledge-base page (at phone width) that deep-links into the replay."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tests.support.clients import user_id
from tests.support.servers import ServerProcess
from tests.web.conftest import Person, assert_labelled, sign_in_link
from tests.web.sdk import PHONE


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def answered_room(server: ServerProcess, word: str) -> dict[str, Any]:
    """A public room with one session in the archive: a question answered and accepted."""
    host, expert = user_id("hanna"), user_id("ezra")
    with server.http(expert) as http:
        http.get("/api/v1/rooms")  # the expert's user row
    with server.http(host) as http:
        room = http.post("/api/v1/rooms", json={"title": "Ops corner"}).json()["room"]
        session = http.post(
            f"/api/v1/rooms/{room['id']}/sessions", json={"title": "Cert AMA", "experts": [expert]}
        ).json()["session"]
        http.post(f"/api/v1/sessions/{session['id']}/start")
        q = http.post(
            f"/api/v1/rooms/{room['id']}/questions",
            json={"body": f"How do we rotate the {word} certificates?"},
        ).json()["question"]
    with server.http(expert) as http:
        answered = http.post(
            f"/api/v1/questions/{q['id']}/answers", json={"body": f"Run the {word} rotate job."}
        ).json()["question"]
    with server.http(host) as http:
        http.post(
            f"/api/v1/questions/{q['id']}/accept", json={"answer_id": answered["answers"][0]["id"]}
        )
        http.post(f"/api/v1/sessions/{session['id']}/end")
    return {"room": room["id"], "session": session["id"], "question": q["id"], "expert": expert}


def enter(person: Person, server: ServerProcess, uid: str, path: str) -> None:
    person.page.goto(sign_in_link(server, uid, person.name, path))
    expect(person.page.locator("#conn")).to_have_text("Online")


def test_ask_anytime_with_the_suggestion_panel(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    word = f"zy{user_id('w').split('-')[1]}"
    world = answered_room(web_server, word)
    bob_id = user_id("bob")
    bob, ezra = people("Bob"), people("Ezra")
    enter(bob, web_server, bob_id, "/")
    bob.page.get_by_role("link", name="Ask an expert").first.click()
    expect(bob.page).to_have_url(re.compile(r"/ask$"))
    bob.page.get_by_label("Room").select_option(world["room"])
    box = bob.page.get_by_label("Your question")
    box.fill(f"rotate {word} certificates")
    panel = bob.page.locator(".already")
    expect(panel).to_be_visible()
    expect(panel.locator(".suggestion .q")).to_have_text(
        f"How do we rotate the {word} certificates?"
    )
    expect(panel.locator(".suggestion .a")).to_contain_text(f"Run the {word} rotate job.")
    link = panel.get_by_role("link", name="Watch the answer")
    expect(link).to_have_attribute("href", re.compile(rf"/replay/{world['session']}\?seq=\d+"))
    assert_labelled(bob)
    bob.shot("ask-suggestions")
    panel.get_by_role("button", name="This answered it").click()
    expect(panel.get_by_role("status")).to_contain_text("1 found this helpful")
    # Two words: the panel goes away. Then a new question, asked with no session live.
    box.fill("Something else")
    expect(panel).to_be_hidden()
    box.fill(f"Who signs the {word} vendor contracts?")
    bob.page.get_by_label("Tag (optional)").fill("legal")
    bob.page.get_by_role("button", name="Ask", exact=True).click()
    expect(bob.page.locator(".ask > p[role=status]")).to_contain_text(
        "waits in the room's open queue"
    )
    bob.page.get_by_role("link", name="See the queue").click()
    expect(bob.page.locator(".queued .q")).to_have_text(f"Who signs the {word} vendor contracts?")

    # The room's expert answers from the queue, whenever they come by.
    enter(ezra, web_server, world["expert"], f"/rooms/{world['room']}")
    ezra.page.get_by_role("link", name="Open questions").click()
    item = ezra.page.locator(".queued", has_text="vendor contracts")
    item.get_by_label("Your answer").fill("Legal does, via the portal.")
    item.get_by_role("button", name="Answer").click()
    expect(item.locator(".answer")).to_contain_text("Legal does, via the portal.")
    ezra.shot("queue-answered")
    # The asker sees it and accepts.
    bob.page.reload()
    mine = bob.page.locator(".queued", has_text="vendor contracts")
    mine.get_by_role("button", name="Accept").click()
    expect(bob.page.locator(".queued", has_text="vendor contracts")).to_have_count(0)


def test_kb_page_deep_links_to_the_replay_at_phone_width(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    word = f"kq{user_id('w').split('-')[1]}"
    world = answered_room(web_server, word)
    reader = people("Rita", **PHONE)
    enter(reader, web_server, user_id("rita"), f"/kb/rooms/{world['room']}")
    item = reader.page.locator(".kb-item").first
    expect(item.locator(".q")).to_have_text(f"How do we rotate the {word} certificates?")
    expect(item.locator(".a")).to_have_text(f"Run the {word} rotate job.")
    expect(item).to_contain_text("✓ accepted")
    assert_labelled(reader)
    width = reader.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing wider than the phone
    reader.shot("kb-phone")
    item.get_by_role("link", name="Replay the moment").click()
    expect(reader.page).to_have_url(re.compile(rf"/replay/{world['session']}\?seq=\d+"))
    expect(reader.page.locator("h1")).to_contain_text("Cert AMA")
