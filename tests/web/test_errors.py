"""Every failure the room can meet is shown to the person: refused role, rate limit, paging."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.clients import user_id
from tests.support.servers import ServerProcess
from tests.web.conftest import Person
from tests.web.test_room import enter, expect


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server with a tight chat rate limit."""
    data_dir: Path = tmp_path_factory.mktemp("salon-web-strict")
    with ServerProcess(data_dir, chat_rate=0.2, chat_burst=2).running() as server:
        yield server


def new_room(server: ServerProcess, host: str, title: str) -> str:
    with server.http(host) as http:
        return str(http.post("/api/v1/rooms", json={"title": title}).json()["room"]["id"])


def send(person: Person, text: str) -> None:
    box = person.page.get_by_label("Message", exact=True)
    box.fill(text)
    box.press("Enter")


def test_rate_limit_is_shown_and_the_text_kept(
    strict_server: ServerProcess, people: Callable[..., Person]
) -> None:
    host = user_id("host")
    room_id = new_room(strict_server, host, "Busy room")
    bob = people("Bob")
    enter(bob, strict_server, user_id("bob"), f"/rooms/{room_id}")
    send(bob, "one")
    send(bob, "two")
    expect(bob.page.locator(".msg:not(.pending)")).to_have_count(2)
    send(bob, "three, too fast")
    expect(bob.page.get_by_role("alert")).to_contain_text(
        re.compile(r"too fast. Try again in \d+ s")
    )
    expect(bob.page.get_by_label("Message", exact=True)).to_have_value("three, too fast")
    bob.shot("error-rate-limited")


def test_role_lost_while_offline_is_shown_after_the_reconnect(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    host, bob_id = user_id("host"), user_id("bob")
    room_id = new_room(web_server, host, "Strict host")
    bob = people("Bob")
    enter(bob, web_server, bob_id, f"/rooms/{room_id}")
    expect(bob.page.locator(".people")).to_contain_text("Bob")

    bob.context.set_offline(True)
    expect(bob.page.locator("#conn")).to_have_text(re.compile("Offline|Reconnecting"))
    with web_server.http(host) as http:
        http.put(f"/api/v1/rooms/{room_id}/members/{bob_id}", json={"role": "viewer"})
    send(bob, "sent as a participant")
    bob.context.set_offline(False)

    # Other panels may also report the offline spell; the refusal must be among the alerts.
    refusal = bob.page.get_by_role("alert").filter(has_text="Your role in this room does not allow")
    expect(refusal).to_be_visible()
    expect(bob.page.locator(".room-actions .badge")).to_have_text("viewer")
    expect(bob.page.get_by_text("Viewers can read the chat but not write.")).to_be_visible()
    bob.shot("error-forbidden")


def test_chat_history_pages_back(web_server: ServerProcess, people: Callable[..., Person]) -> None:
    host = user_id("host")
    room_id = new_room(web_server, host, "Chatty")
    with web_server.http(host) as http:
        for n in range(1, 61):
            http.post(f"/api/v1/rooms/{room_id}/chat", json={"client_id": f"m{n}", "body": f"m{n}"})
    reader = people("Reader")
    enter(reader, web_server, user_id("reader"), f"/rooms/{room_id}")
    messages = reader.page.locator(".msg")
    expect(messages).to_have_count(50)
    reader.page.get_by_role("button", name="Load earlier messages").click()
    expect(messages).to_have_count(60)
    expect(messages.first).to_contain_text("m1")
    expect(reader.page.get_by_role("button", name="Load earlier messages")).to_be_hidden()
