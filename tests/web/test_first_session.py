"""What people saw in their first real session (issue 18), one test per bug: each failed on
the client and server before the fix. The rooms and sessions are made through the real
Socket.IO SDK; what is checked is what the browser shows."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.clients import user_id
from tests.support.servers import ServerProcess
from tests.web.conftest import Person
from tests.web.sdk import PHONE, Setup, live_room, run
from tests.web.test_room import enter, expect

TITLE = "Q&A: <certs> & keys"
# Long enough that playing at 1x runs well past the last question and answer.
SESSION_SECONDS = 5.0


def _question_id(ack: dict[str, Any]) -> int:
    return int(ack.get("question", ack)["id"])


async def _ended_session(server: ServerProcess) -> Setup:
    """A question and its answer a few milliseconds apart, then a quiet stretch, then the end."""
    host, expert, setup = await live_room(server, TITLE)
    try:
        asked = await host.ask(setup.room_id, "Which CA signs staging?")
        await expert.answer(_question_id(asked), "The internal one, like prod.")
        await asyncio.sleep(SESSION_SECONDS)
        await host.end_session(setup.session_id)
    finally:
        await host.close()
        await expert.close()
    return setup


@pytest.fixture(scope="module")
def ended(web_server: ServerProcess) -> Setup:
    return run(_ended_session(web_server))


def test_small_danger_buttons_are_red_text_not_red_on_red(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    async def prepare() -> Setup:
        host, expert, setup = await live_room(web_server, "Danger buttons")
        await host.ask(setup.room_id, "My own question, still open")
        await host.send_chat(setup.room_id, "A message of mine")
        await host.close()
        await expert.close()
        return setup

    setup = run(prepare())
    host = people("Hanna")
    enter(host, web_server, setup.host_id, f"/rooms/{setup.room_id}")
    expect(host.page.locator(".msg", has_text="A message of mine")).to_be_visible()
    host.page.get_by_role("tab", name=re.compile("Q&A")).click()
    question = host.page.locator(".question", has_text="My own question")
    expect(question.get_by_role("button", name="Withdraw")).to_be_visible()
    expect(question.get_by_role("button", name="Dismiss")).to_be_visible()
    host.page.get_by_role("tab", name=re.compile("Chat")).click()
    expect(host.page.locator(".msg").get_by_role("button", name="Delete")).to_be_visible()
    backgrounds = host.page.evaluate(
        """() => [...document.querySelectorAll('button.link.danger')]
             .map((b) => [b.textContent, getComputedStyle(b).backgroundColor])"""
    )
    assert {text for text, _ in backgrounds} >= {"Withdraw", "Dismiss", "Delete"}
    assert all(colour == "rgba(0, 0, 0, 0)" for _, colour in backgrounds), backgrounds


def test_answered_question_offers_reopen_and_no_null(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    async def prepare() -> Setup:
        host, expert, setup = await live_room(web_server, "Reopen")
        asked = await host.ask(setup.room_id, "Answered already?")
        await expert.qa("mark_answered", question_id=_question_id(asked), answered=True)
        await host.close()
        await expert.close()
        return setup

    setup = run(prepare())
    erin = people("Erin")
    enter(erin, web_server, setup.expert_id, f"/rooms/{setup.room_id}")
    erin.page.get_by_role("tab", name=re.compile("Q&A")).click()
    question = erin.page.locator(".question", has_text="Answered already?")
    expect(question.locator(".badge.answered")).to_be_visible()
    expect(question.locator(".actions")).not_to_contain_text("null")
    question.get_by_role("button", name="Reopen").click()
    expect(question.locator(".badge.answered")).to_have_count(0)
    expect(question.get_by_role("button", name="Mark answered")).to_be_visible()


def test_most_votes_ties_show_the_oldest_first(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    async def prepare() -> Setup:
        host, expert, setup = await live_room(web_server, "Ties")
        await host.ask(setup.room_id, "Asked first")
        await host.ask(setup.room_id, "Asked second")
        await host.close()
        await expert.close()
        return setup

    setup = run(prepare())
    erin = people("Erin")
    enter(erin, web_server, setup.expert_id, f"/rooms/{setup.room_id}")
    erin.page.get_by_role("tab", name=re.compile("Q&A")).click()
    expect(erin.page.get_by_label("Sort questions")).to_have_value("votes")
    listed = erin.page.locator("ol.questions > .question .q-body")
    expect(listed).to_have_text(["Asked first", "Asked second"])
    erin.page.get_by_label("Sort questions").select_option("recent")
    expect(listed).to_have_text(["Asked second", "Asked first"])


def test_lobby_knows_my_role_and_offers_scheduling(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    host_id = user_id("hanna")
    with web_server.http(host_id) as http:
        created = http.post("/api/v1/rooms", json={"title": "My hosted room"})
        listed = http.get("/api/v1/rooms", params={"q": "hosted", "limit": 100}).json()
    room_id = created.json()["room"]["id"]
    assert [r["my_role"] for r in listed["rooms"] if r["id"] == room_id] == ["host"]
    hanna = people("Hanna")
    enter(hanna, web_server, host_id, "/")
    card = hanna.page.locator(".room-card", has_text="My hosted room")
    expect(card.locator(".badge.role-host")).to_have_text("host")
    expect(hanna.page.get_by_text("Schedule a session")).to_be_visible()


def test_emoji_only_search_gives_a_hint(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    lea = people("Lea")
    enter(lea, web_server, user_id("lea"), "/search")
    lea.page.get_by_label("Search for").fill("🎉🔥")
    lea.page.get_by_role("button", name="Search", exact=True).click()
    status = lea.page.locator(".search [role=status], main [role=status]").first
    expect(status).to_contain_text("at least one word")
    expect(lea.page.locator("main")).not_to_contain_text("Search failed")


def test_pause_keeps_the_playback_position(
    web_server: ServerProcess, people: Callable[..., Person], ended: Setup
) -> None:
    lea = people("Lea")
    enter(lea, web_server, user_id("lea"), f"/replay/{ended.session_id}")
    slider = lea.page.get_by_label("Session time")
    expect(lea.page.locator(".replay .questions")).to_be_visible()
    lea.page.get_by_role("button", name="Play").click()
    # Well past the last event (the answer, a few ms in): the clock runs on between events.
    lea.page.wait_for_function(
        "() => Number(document.querySelector('.replay input[type=range]').value) >= 2000"
    )
    lea.page.get_by_role("button", name="Pause").click()
    expect(lea.page.get_by_role("button", name="Play")).to_be_visible()
    # The paused clock is the server's report: it stays past 2 s, not back at the answer.
    assert int(slider.input_value()) >= 1900

    # A speed change while playing keeps the position too (the clock so far ran at 1x).
    lea.page.get_by_role("button", name="Play").click()
    lea.page.wait_for_function(
        "() => Number(document.querySelector('.replay input[type=range]').value) >= 3500"
    )
    lea.page.get_by_label("Speed").select_option("0.25")
    expect(lea.page.get_by_label("Speed")).to_have_value("0.25")
    lea.page.get_by_role("button", name="Pause").click()
    expect(lea.page.get_by_role("button", name="Play")).to_be_visible()
    assert int(slider.input_value()) >= 3400


def test_close_timeline_markers_can_each_be_clicked(
    web_server: ServerProcess, people: Callable[..., Person], ended: Setup
) -> None:
    lea = people("Lea on a phone", **PHONE)
    enter(lea, web_server, user_id("lea"), f"/replay/{ended.session_id}")
    markers = lea.page.locator(".markers .marker")
    expect(markers.first).to_be_visible()
    assert markers.count() >= 2
    # The element at the centre of each marker is that marker: none is hidden under another.
    covered = lea.page.evaluate(
        """() => [...document.querySelectorAll('.markers .marker')].filter((m) => {
             const r = m.getBoundingClientRect();
             return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) !== m;
           }).map((m) => m.getAttribute('aria-label'))"""
    )
    assert covered == []
    first = lea.page.get_by_role("button", name=re.compile(r"^Question at"))
    first.click()
    expect(lea.page.locator(".replay .questions")).to_contain_text("Which CA signs staging?")
    lea.shot("replay-markers-phone")


def test_markdown_export_keeps_the_title_as_typed(
    web_server: ServerProcess, people: Callable[..., Person], ended: Setup
) -> None:
    lea = people("Lea")
    enter(lea, web_server, user_id("lea"), f"/replay/{ended.session_id}")
    expect(lea.page.locator(".replay h1")).to_contain_text(TITLE)
    with lea.page.expect_download() as download:
        lea.page.get_by_role("button", name="Download transcript (Markdown)").click()
    heading = Path(download.value.path()).read_text().splitlines()[0]
    # "&" stays "&"; "<" is escaped the Markdown way, so no renderer makes a tag of it.
    assert heading == "# Q&A: \\<certs> & keys"
