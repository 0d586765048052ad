"""A live session end to end in three browsers: the host schedules and starts it, a participant
asks, an expert answers, the asker accepts, the host ends it; then a learner finds the answer
in the archive search, lands in the replay at that moment and seeks; experts get the credit."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.clients import user_id
from tests.support.servers import ServerProcess
from tests.web.conftest import Person, assert_labelled
from tests.web.test_room import enter, expect, expect_document, has_documents


def has_sessions(server: ServerProcess, room_id: str, uid: str) -> bool:
    with server.http(uid) as http:
        response = http.get(f"/api/v1/rooms/{room_id}/sessions")
    return response.headers.get("content-type", "").startswith("application/json")


def refuse_native_dialog(person: Person) -> Callable[[Any], None]:
    def refuse(dialog: Any) -> None:
        person.problems.append(f"native dialog: {dialog.message}")
        dialog.dismiss()

    return refuse


def open_qa(person: Person) -> None:
    person.page.get_by_role("tab", name=re.compile("Q&A")).click()


def test_live_qa_round_then_search_and_replay(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    host_id, expert_id, asker_id = user_id("hanna"), user_id("erin"), user_id("bob")
    with web_server.http(host_id) as http:
        room_id = http.post(
            "/api/v1/rooms", json={"title": "Ops office hours", "tags": ["ops"]}
        ).json()["room"]["id"]
    if not has_sessions(web_server, room_id, host_id):
        pytest.skip("this server has no sessions and Q&A yet")

    host, expert, asker = people("Hanna"), people("Erin"), people("Bob")
    for person in (host, expert, asker):
        # No window.prompt/confirm any more: a native dialog would be a regression.
        person.page.on("dialog", refuse_native_dialog(person))

    # The host schedules a session with Erin as its expert, and starts it.
    enter(host, web_server, host_id, f"/rooms/{room_id}")
    open_qa(host)
    host.page.get_by_text("Schedule a session").click()
    host.page.get_by_label("Session title").fill("Cert rotation AMA")
    host.page.get_by_label("Experts").fill(expert_id)
    host.page.get_by_label("Tags", exact=True).last.fill("ops, certs")
    host.page.get_by_role("button", name="Schedule").click()
    host.page.get_by_role("button", name="Start session Cert rotation AMA").click()
    expect(host.page.locator(".session-bar")).to_contain_text("LIVE")

    enter(expert, web_server, expert_id, f"/rooms/{room_id}")
    enter(asker, web_server, asker_id, f"/rooms/{room_id}")
    expect(expert.page.locator(".room-actions .badge")).to_have_text("expert")
    open_qa(asker)
    open_qa(expert)
    expect(asker.page.locator(".session-bar")).to_contain_text("Cert rotation AMA")

    # Bob asks and upvotes; everyone sees it live.
    asker.page.get_by_label("Your question").fill("How do we rotate the staging certs?")
    asker.page.get_by_role("button", name="Ask", exact=True).click()
    question = expert.page.locator(".question", has_text="rotate the staging certs")
    expect(question).to_be_visible()

    # Erin starts an answer; Bob's vote arrives meanwhile and her draft survives it.
    question.get_by_role("button", name="Answer", exact=True).click()
    question.get_by_role("textbox").fill("Run certbot renew on the bastion, then reload nginx.")
    asker.page.locator(".question", has_text="staging certs").locator(".vote").click()
    expect(question.locator(".vote .n")).to_have_text("1")
    expect(question.get_by_role("textbox")).to_have_value(
        "Run certbot renew on the bastion, then reload nginx."
    )
    question.get_by_role("button", name="Post answer").click()
    asked = asker.page.locator(".question", has_text="staging certs")
    expect(asked.locator(".answer")).to_contain_text("certbot renew")
    expect(asker.page.locator(".toast", has_text="Your question was answered")).to_be_visible()
    asked.get_by_role("button", name=re.compile("Accept the answer")).click()
    open_qa(host)
    hosted = host.page.locator(".question", has_text="staging certs")
    expect(hosted.locator(".answer.accepted")).to_contain_text("certbot renew")
    expect(hosted).to_contain_text("answered")
    # Moderated mode: the next question waits in the host's queue until approved.
    host.page.get_by_label("Moderate new questions").check()
    expect(asker.page.locator(".session-bar")).to_contain_text("Cert rotation AMA")
    asker.page.get_by_label("Your question").fill("Is staging on the same CA as prod?")
    asker.page.get_by_role("button", name="Ask", exact=True).click()
    waiting = asker.page.locator(".question", has_text="same CA")
    expect(waiting).to_contain_text("waiting for approval")
    queue = host.page.locator(".queue")
    expect(queue).to_contain_text("Waiting for approval (1)")
    host.shot("room-qa-moderation")
    queue.get_by_role("button", name="Approve").click()
    expect(expert.page.locator(".question", has_text="same CA")).to_be_visible()
    expect(waiting).not_to_contain_text("waiting for approval")

    with_documents = has_documents(web_server, room_id, host_id)
    if with_documents:
        expert.page.locator(".cm-content").click()
        expert.page.keyboard.type("Rotation: certbot renew, reload nginx")
        expect_document(host, "Rotation: certbot renew, reload nginx")
        # The answered question goes into the session notes for everyone.
        expert.page.get_by_role("button", name="Add answered questions to the notes").click()
        expect(expert.page.locator(".toast", has_text="Added 1 answered question")).to_be_visible()
        expect_document(host, "How do we rotate the staging certs?")
    assert_labelled(expert)
    expert.shot("room-qa-expert")
    asker.page.get_by_role("tab", name=re.compile("Chat")).click()
    asker.page.get_by_label("Message", exact=True).fill("Thanks Erin, that worked!")
    asker.page.get_by_label("Message", exact=True).press("Enter")
    expect(host.page.get_by_role("tab", name=re.compile("Chat"))).to_contain_text("1")
    host.shot("room-qa-host")

    host.page.get_by_role("button", name="End session").click()
    # An in-page dialog asks first (no window.confirm); confirming ends it.
    host.page.get_by_role("dialog").get_by_role("button", name="End session").click()
    expect(host.page.locator(".session-bar")).to_contain_text("No live session")

    # A learner later: search, land in the replay at the answer, seek.
    learner = people("Lea")
    learner_id = user_id("lea")
    enter(learner, web_server, learner_id, "/")
    past = learner.page.locator(".session-group", has_text="Past")
    expect(past).to_contain_text("Cert rotation AMA")
    learner.shot("lobby-sessions")
    learner.page.get_by_role("link", name="Search").click()
    # Misspelt beyond recognition: the answered question is offered by its spelling.
    learner.page.get_by_label("Search for").fill("rotashun stagng certz")
    learner.page.get_by_role("button", name="Search", exact=True).click()
    expect(learner.page.locator(".suggestions")).to_be_visible()
    expect(learner.page.locator(".hit", has_text="staging").first).to_be_visible()
    learner.page.get_by_label("Search for").fill("rotate staging certs")
    learner.page.get_by_role("button", name="Search", exact=True).click()
    hit = learner.page.locator(".hit", has_text="staging").first
    expect(hit.locator("mark").first).to_be_visible()
    assert_labelled(learner)
    learner.shot("search")
    hit.get_by_role("link", name="Replay at this moment").click()
    expect(learner.page).to_have_url(re.compile(r"/replay/[^/?]+\?(seq|t)=\d+"))
    expect(learner.page.locator(".replay h1")).to_contain_text("Cert rotation AMA")
    expect(learner.page.locator(".replay .questions")).to_contain_text("staging certs")
    learner.shot("replay-deep-link")
    phone = people("Lea on a phone", viewport={"width": 390, "height": 844}, is_mobile=True)
    enter(phone, web_server, learner_id, learner.page.url.removeprefix(web_server.url))
    expect(phone.page.locator(".replay .questions")).to_contain_text("staging certs")
    phone.shot("replay-phone")
    with learner.page.expect_download() as download:
        learner.page.get_by_role("button", name="Download transcript (Markdown)").click()
    transcript = Path(download.value.path()).read_text()
    assert "How do we rotate the staging certs?" in transcript

    learner.page.get_by_label("Session time").fill("0")
    expect(learner.page.locator(".replay .questions")).to_contain_text("No questions yet")
    learner.page.get_by_role("button", name=re.compile(r"^Answer at \d+:\d+")).first.click()
    expect(learner.page.locator(".replay .answers")).to_contain_text("certbot renew")
    if with_documents:
        learner.page.get_by_label("Session time").fill("100000000")
        notes = learner.page.locator(".doc-text")
        expect(notes).to_contain_text("Rotation: certbot renew, reload nginx")
        expect(notes).to_contain_text("How do we rotate the staging certs?")
    learner.page.get_by_label("Speed").select_option("16")
    learner.page.get_by_role("button", name="Play").click()
    expect(learner.page.locator(".replay .messages")).to_contain_text("that worked", timeout=15000)
    assert_labelled(learner)
    learner.shot("replay")

    # Erin's expertise is recognised.
    learner.page.goto(f"{web_server.url}/experts")
    # Other tests on this server have experts named Erin too: find this one by her id.
    link = learner.page.locator(f'a[href="/experts/{expert_id}"]')
    row = learner.page.locator(".leaderboard tr", has=link)
    expect(row).to_be_visible()
    assert_labelled(learner)
    learner.shot("experts")
    row.get_by_role("link").click()
    expect(learner.page.locator(".stats")).to_contain_text("Answers accepted")
    learner.shot("expert-profile")
