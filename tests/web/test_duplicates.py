"""Duplicate help in the live Q&A panel (issue 16): when a new question resembles one already
asked in the session, the host sees the server's proposal (qa:duplicate) beside it and merges
in one click (qa:merge); "Not a duplicate" puts the proposal away."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.clients import user_id
from tests.support.servers import ServerProcess
from tests.web.conftest import Person, assert_labelled
from tests.web.test_room import enter, expect
from tests.web.test_session import has_sessions, open_qa


def ask(person: Person, body: str) -> None:
    person.page.get_by_label("Your question").fill(body)
    person.page.get_by_role("button", name="Ask", exact=True).click()
    expect(item(person, body)).to_be_visible()


def item(person: Person, body: str) -> Any:
    """The question whose own text holds ``body`` (a host's merge menus list the others)."""
    page = person.page
    return page.locator(".question").filter(has=page.locator(".q-body", has_text=body))


def test_host_merges_a_proposed_duplicate(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    host_id, asker_id = user_id("hanna"), user_id("bob")
    with web_server.http(host_id) as http:
        room_id = http.post("/api/v1/rooms", json={"title": "Cert hour"}).json()["room"]["id"]
    if not has_sessions(web_server, room_id, host_id):
        pytest.skip("this server has no sessions and Q&A yet")
    host, asker = people("Hanna"), people("Bob")
    enter(host, web_server, host_id, f"/rooms/{room_id}")
    open_qa(host)
    host.page.get_by_text("Schedule a session").click()
    host.page.get_by_label("Session title").fill("Cert AMA")
    host.page.get_by_role("button", name="Schedule").click()
    host.page.get_by_role("button", name="Start session Cert AMA").click()
    expect(host.page.locator(".session-bar")).to_contain_text("LIVE")

    enter(asker, web_server, asker_id, f"/rooms/{room_id}")
    open_qa(asker)
    ask(asker, "How do we rotate the staging certificates?")
    ask(asker, "How to rotate staging certificates safely?")

    newer = item(host, "rotate staging certificates safely")
    proposal = newer.get_by_role("group", name="Possible duplicate")
    expect(proposal).to_contain_text("How do we rotate the staging certificates?")
    assert_labelled(host)
    host.shot("room-qa-duplicate")
    proposal.get_by_role("button", name=re.compile("^Merge into “How do we rotate")).click()
    # The duplicate leaves the list for everyone; the original stays.
    expect(newer).to_have_count(0)
    expect(item(asker, "safely")).to_have_count(0)
    expect(item(host, "How do we rotate the staging")).to_be_visible()

    # A third one the host keeps: the proposal goes away, the question stays.
    ask(asker, "Who rotates the staging certificates?")
    third = item(host, "Who rotates")
    expect(third.get_by_role("group", name="Possible duplicate")).to_be_visible()
    third.get_by_role("button", name="Not a duplicate").click()
    expect(third.get_by_role("group", name="Possible duplicate")).to_have_count(0)
    expect(third).to_be_visible()


def test_the_panel_lists_the_room_queue_between_sessions(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    host_id, asker_id = user_id("hanna"), user_id("bob")
    with web_server.http(host_id) as http:
        room_id = http.post("/api/v1/rooms", json={"title": "Anytime"}).json()["room"]["id"]
    if not has_sessions(web_server, room_id, host_id):
        pytest.skip("this server has no sessions and Q&A yet")
    with web_server.http(asker_id) as http:
        asked = http.post(
            f"/api/v1/rooms/{room_id}/questions",
            json={"body": "How do we rotate the staging certificates?"},
        )
        assert asked.status_code == 201, asked.text
        assert asked.json()["question"]["queued"] is True
    host = people("Hanna")
    enter(host, web_server, host_id, f"/rooms/{room_id}")
    open_qa(host)
    waiting = host.page.get_by_role("region", name="Questions waiting in the room's queue")
    expect(waiting).to_contain_text("1 question waiting in the room's queue")
    expect(item(host, "rotate the staging certificates")).to_be_visible()

    # A similar one asked meanwhile is proposed as a duplicate of the queued one.
    with web_server.http(asker_id) as http:
        http.post(
            f"/api/v1/rooms/{room_id}/questions",
            json={"body": "How to rotate staging certificates safely?"},
        )
    newer = item(host, "safely")
    proposal = newer.get_by_role("group", name="Possible duplicate")
    expect(proposal).to_contain_text("How do we rotate the staging certificates?")
    proposal.get_by_role("button", name=re.compile("^Merge into")).click()
    expect(newer).to_have_count(0)
    expect(waiting).to_contain_text("1 question waiting")
    waiting.get_by_role("link", name="Open the queue").click()
    expect(host.page.locator(".anytime-queue")).to_contain_text("rotate the staging certificates")

    # On the queue page too: a third similar question is proposed there and merged.
    with web_server.http(asker_id) as http:
        http.post(
            f"/api/v1/rooms/{room_id}/questions",
            json={"body": "Who rotates the staging certificates and how?"},
        )
    card = host.page.locator(".queued").filter(has=host.page.locator(".q", has_text="Who rotates"))
    proposal = card.get_by_role("group", name="Possible duplicate")
    expect(proposal).to_contain_text("How do we rotate the staging certificates?")
    assert_labelled(host)
    proposal.get_by_role("button", name=re.compile("^Merge into")).click()
    expect(card).to_have_count(0)
    expect(host.page.locator(".anytime-queue")).to_contain_text("rotate the staging certificates")
