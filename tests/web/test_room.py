"""Two people in a live room: lobby, co-editing with cursors, presence, chat, roles, reconnect."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.clients import user_id
from tests.support.servers import ServerProcess
from tests.web.conftest import Person, assert_labelled, sign_in_link


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def has_documents(server: ServerProcess, room_id: str, uid: str) -> bool:
    with server.http(uid) as http:
        response = http.get(f"/api/v1/rooms/{room_id}/documents")
    return response.headers.get("content-type", "").startswith("application/json")


DOC_TEXT = """(expected) => {
  const copy = document.querySelector('.cm-content').cloneNode(true);
  copy.querySelectorAll('.cm-ySelectionCaret').forEach((caret) => caret.remove());
  return copy.textContent.includes(expected);
}"""


def expect_document(person: Person, text: str) -> None:
    """The editor shows ``text`` (remote cursor labels are widgets, not document text)."""
    person.page.wait_for_function(DOC_TEXT, arg=text)


def enter(person: Person, server: ServerProcess, uid: str, path: str) -> None:
    person.page.goto(sign_in_link(server, uid, person.name, path))
    expect(person.page.locator("#conn")).to_have_text("Online")


def test_lobby_create_room_and_co_edit(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    alice_id, bob_id = user_id("alice"), user_id("bob")
    alice, bob = people("Alice"), people("Bob")

    enter(alice, web_server, alice_id, "/")
    alice.page.get_by_text("Create a room").click()
    alice.page.get_by_label("Title").fill("Rotating the <b>staging</b> certs")
    alice.page.get_by_label("Tags").fill("ops, security")
    assert_labelled(alice)
    alice.shot("lobby")
    alice.page.get_by_role("button", name="Create room").click()
    expect(alice.page).to_have_url(re.compile(r"/rooms/[^/]+$"))
    room_id = alice.page.url.rsplit("/", 1)[1]
    # User text is text: the markup shows literally and creates no element.
    expect(alice.page.locator("h1")).to_have_text("Rotating the <b>staging</b> certs")
    assert alice.page.locator("h1 b").count() == 0

    enter(bob, web_server, bob_id, f"/rooms/{room_id}")
    expect(bob.page.locator(".people")).to_contain_text("Alice")
    expect(alice.page.locator(".people")).to_contain_text("Bob")

    if not has_documents(web_server, room_id, alice_id):
        pytest.skip("this server has no collaborative documents yet")
    for person in (alice, bob):
        expect(person.page.locator(".doc-status")).to_have_text("Saved and in sync")
    alice.page.locator(".cm-content").click()
    alice.page.keyboard.type("Steps: renew, deploy")
    expect_document(bob, "Steps: renew, deploy")
    bob.page.locator(".cm-content").click()
    bob.page.keyboard.press("Control+End")
    bob.page.keyboard.type(", verify")
    expect_document(alice, "Steps: renew, deploy, verify")
    expect_document(bob, "Steps: renew, deploy, verify")
    # Each sees the other's cursor with their name.
    expect(alice.page.locator(".cm-ySelectionCaret .cm-ySelectionInfo")).to_have_text("Bob")
    bob.page.locator(".cm-content").press("Shift+Home")
    expect(alice.page.locator(".cm-ySelection")).to_have_count(1)
    alice.page.locator(".cm-content").press("End")
    expect(bob.page.locator(".cm-ySelectionCaret .cm-ySelectionInfo")).to_have_text("Alice")
    assert_labelled(alice)
    alice.shot("room-editor-alice")
    bob.shot("room-editor-bob")


def test_chat_presence_and_roles(web_server: ServerProcess, people: Callable[..., Person]) -> None:
    alice_id, bob_id = user_id("alice"), user_id("bob")
    with web_server.http(alice_id) as http:
        room_id = http.post("/api/v1/rooms", json={"title": "Certs Q&A"}).json()["room"]["id"]
    alice, bob = people("Alice"), people("Bob")
    enter(alice, web_server, alice_id, f"/rooms/{room_id}")
    enter(bob, web_server, bob_id, f"/rooms/{room_id}")

    # Chat both ways, with markup shown as text.
    alice.page.get_by_label("Message", exact=True).fill("Welcome! <img src=x onerror=alert(1)>")
    alice.page.get_by_label("Message", exact=True).press("Enter")
    bob_messages = bob.page.locator(".messages")
    expect(bob_messages).to_contain_text("Welcome! <img src=x onerror=alert(1)>")
    assert bob.page.locator(".messages img").count() == 0
    bob.page.get_by_label("Message", exact=True).fill("Thanks, glad to be here")
    bob.page.get_by_role("button", name="Send").click()
    expect(alice.page.locator(".messages")).to_contain_text("Thanks, glad to be here")

    # Reactions, edit and delete of own messages reach the other side.
    bob_first = bob_messages.locator(".msg").first
    bob_first.get_by_role("button", name="React").click()
    bob_first.get_by_role("button", name="React with 👍").click()
    expect(alice.page.locator(".msg").first.locator(".reaction")).to_have_text("👍 1")
    alice_own = alice.page.locator(".msg").first
    alice_own.get_by_role("button", name="Edit").click()
    alice_own.get_by_label("Edit message").fill("Welcome, everyone!")
    alice_own.get_by_role("button", name="Save").click()
    expect(bob_messages.locator(".msg").first).to_contain_text("Welcome, everyone!")
    expect(bob_messages.locator(".msg").first).to_contain_text("(edited)")

    # Unread marker and count while Bob looks at the people list.
    bob.page.get_by_role("tab", name=re.compile("People")).click()
    alice.page.get_by_label("Message", exact=True).fill("Any questions so far?")
    alice.page.get_by_label("Message", exact=True).press("Enter")
    expect(bob.page.get_by_role("tab", name=re.compile("Chat"))).to_contain_text("1")

    # Raised hands show in everyone's presence list.
    bob.page.get_by_role("button", name="✋ Raise hand").click()
    # Panel tabs work from the keyboard.
    alice.page.get_by_role("tab", name=re.compile("Chat")).focus()
    alice.page.keyboard.press("ArrowLeft")
    expect(alice.page.get_by_role("tab", name=re.compile("People"))).to_be_focused()
    expect(alice.page.get_by_role("tab", name=re.compile("People"))).to_have_attribute(
        "aria-selected", "true"
    )
    bob_entry = alice.page.locator(".person", has_text="Bob")
    expect(bob_entry.get_by_label("hand raised")).to_be_visible()
    assert_labelled(alice)
    alice.shot("room-people-host")
    bob.page.get_by_role("tab", name=re.compile("Chat")).click()
    expect(bob.page.locator(".unread-marker")).to_be_visible()
    bob.shot("room-chat-unread")

    # The host makes Bob a viewer: Bob's composer goes away at once, without a reload.
    alice.page.get_by_label("Role of Bob").select_option("viewer")
    expect(bob.page.locator(".room-actions .badge")).to_have_text("viewer")
    expect(bob.page.get_by_label("Message", exact=True)).to_be_hidden()
    expect(bob.page.get_by_text("Viewers can read the chat but not write.")).to_be_visible()

    # Phone width: the same room stacks into one column.
    phone = people("Alice on a phone", viewport={"width": 390, "height": 844}, is_mobile=True)
    enter(phone, web_server, alice_id, f"/rooms/{room_id}")
    expect(phone.page.locator(".messages")).to_contain_text("Any questions so far?")
    phone.shot("room-phone")


def test_reconnect_catches_up_and_sends_what_was_typed_offline(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    alice_id, bob_id = user_id("alice"), user_id("bob")
    with web_server.http(alice_id) as http:
        room_id = http.post("/api/v1/rooms", json={"title": "Flaky wifi"}).json()["room"]["id"]
    bob = people("Bob")
    enter(bob, web_server, bob_id, f"/rooms/{room_id}")
    expect(bob.page.locator(".people")).to_contain_text("Bob")

    bob.context.set_offline(True)
    expect(bob.page.locator("#conn")).to_have_text(re.compile("Offline|Reconnecting"))
    with web_server.http(alice_id) as http:
        http.post(f"/api/v1/rooms/{room_id}/chat", json={"client_id": "c1", "body": "missed 1"})
    bob.page.get_by_label("Message", exact=True).fill("typed while offline")
    bob.page.get_by_label("Message", exact=True).press("Enter")
    expect(bob.page.locator(".msg.pending")).to_contain_text("will send when you are back")
    bob.shot("room-offline")

    bob.context.set_offline(False)
    expect(bob.page.locator("#conn")).to_have_text("Online")
    expect(bob.page.locator(".messages")).to_contain_text("missed 1")
    expect(bob.page.locator(".msg:not(.pending)", has_text="typed while offline")).to_have_count(1)
    with web_server.http(bob_id) as http:
        page = http.get(f"/api/v1/rooms/{room_id}/chat").json()
    assert [m["body"] for m in page["messages"]] == ["missed 1", "typed while offline"]


def test_sign_in_errors_and_guests(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    visitor = people("Visitor")
    visitor.page.goto(web_server.url + "/signin")
    assert_labelled(visitor)
    visitor.shot("signin")
    visitor.page.get_by_label("Access token").fill("not-a-token")
    visitor.page.get_by_role("button", name="Sign in", exact=True).click()
    expect(visitor.page.get_by_role("alert")).to_contain_text("Your sign-in is not valid")

    with web_server.http(user_id("host")) as http:
        public = http.post("/api/v1/rooms", json={"title": "Open house"}).json()["room"]["id"]
        private = http.post(
            "/api/v1/rooms", json={"title": "Secret", "visibility": "invite-only"}
        ).json()["room"]["id"]
    visitor.page.goto(f"{web_server.url}/signin?next=/rooms/{public}")
    visitor.page.get_by_label("Display name").fill("Gus the guest")
    visitor.page.get_by_role("button", name="Join as guest").click()
    expect(visitor.page.locator("h1")).to_have_text("Open house")
    expect(visitor.page.locator(".people")).to_contain_text("Gus the guest")

    visitor.page.goto(f"{web_server.url}/rooms/{private}")
    expect(visitor.page.get_by_role("alert")).to_contain_text("invite-only")
    visitor.shot("room-refused")
