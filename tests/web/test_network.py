"""The learning network in the browser: follow an expert from their profile, the "For you"
feed with a calendar download, and the inbox with its live unread badge, at desktop and phone
width."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.support.clients import user_id
from tests.support.servers import ServerProcess
from tests.web.conftest import Person, assert_labelled
from tests.web.sdk import client, close, run
from tests.web.test_room import enter, expect


def test_follow_feed_inbox_and_calendar(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    host_id, erin_id, ann_id = user_id("hanna"), user_id("erin"), user_id("ann")

    async def setup() -> tuple[object, object, str]:
        host, erin = await client(web_server, host_id), await client(web_server, erin_id)
        room = await host.create_room("Platform guild")
        return host, erin, str(room["id"])

    host, erin, room = run(setup())
    for width, height in ((1280, 800), (390, 844)):
        ann = people(
            f"Ann {width}", viewport={"width": width, "height": height}, accept_downloads=True
        )
        me = f"{ann_id}-{width}"
        enter(ann, web_server, me, f"/experts/{erin_id}")
        page = ann.page
        follow = page.get_by_role("button", name="Follow")
        follow.click()
        expect(page.get_by_role("button", name="Following")).to_have_attribute(
            "aria-pressed", "true"
        )
        expect(page.locator(".network-counts")).to_contain_text("followers")
        assert_labelled(ann)

        when = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        title = f"Cert rotation {width}"
        run(host.schedule_session(room, title, experts=[erin_id], starts_at=when))  # type: ignore[attr-defined]
        dismiss(page, title)  # the live toast of the note (it covers the header on a phone)
        page.get_by_role("link", name="For you").click()
        item = page.locator(".feed-item", has_text=title)
        expect(item).to_be_visible()
        with page.expect_download() as download:
            item.get_by_role("button", name="Add to calendar (.ics)").click()
        saved = download.value.path()
        assert "BEGIN:VCALENDAR" in Path(saved).read_text(encoding="utf-8")
        ann.shot(f"network-for-you-{width}")

        # Erin (followed) scheduled a session, then follows Ann back: the badge counts both
        # live; the inbox lists them and marks one, then all, read.
        run(erin.follow("user", me))  # type: ignore[attr-defined]
        badge = page.locator("#unread")
        expect(badge).to_have_text("2")
        dismiss(page, "new follower")
        page.get_by_role("link", name="Inbox").click()
        note = page.locator(".note.unread", has_text="followed you")
        expect(note).to_be_visible()
        expect(page.locator(".note.unread", has_text=title)).to_be_visible()
        note.get_by_role("button", name="Mark read").click()
        expect(badge).to_have_text("1")
        page.get_by_role("button", name="Mark all read").click()
        expect(page.locator(".note.unread")).to_have_count(0)
        expect(badge).to_be_hidden()
        page.get_by_role("button", name="Get a new calendar URL").click()
        url = page.get_by_role("textbox", name="Your private calendar URL")
        expect(url).to_have_value(lambda_free_prefix(web_server))
        assert_labelled(ann)
        ann.shot(f"network-inbox-{width}")
    run(close(host, erin))  # type: ignore[arg-type]


def dismiss(page: Any, text: str) -> None:
    toast = page.locator(".toast", has_text=text)
    expect(toast).to_be_visible()
    toast.get_by_role("button", name="Dismiss").click()


def lambda_free_prefix(server: ServerProcess) -> object:
    import re

    return re.compile(re.escape(server.url) + r"/api/v1/calendar/[A-Za-z0-9_-]+\.ics")


def test_for_you_is_the_landing_view_after_sign_in(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    ann = people("Ann")
    ann.page.goto(f"{web_server.url}/signin")
    ann.page.get_by_label("Access token").fill(web_server.token(user_id("ann"), "Ann"))
    ann.page.get_by_role("button", name="Sign in", exact=True).click()
    expect(ann.page.locator("h1")).to_have_text("For you")
    expect(ann.page.get_by_role("status").filter(has_text="Nothing yet")).to_be_visible()


def test_follow_a_tag_and_a_room_from_the_lobby_fills_for_you(
    web_server: ServerProcess, people: Callable[..., Person]
) -> None:
    """The Follow toggles on a room card and on a tag chip follow for real: sessions scheduled
    afterwards in a room with that tag and in that room show in "For you"; the room header
    knows the room is followed. At desktop and phone width."""
    host_id, ann_id = user_id("hanna"), user_id("ann")
    host = run(client(web_server, host_id))
    for width, height in ((1280, 800), (390, 844)):
        tag = f"kube-{width}"
        tagged = run(host.create_room(f"Cluster ops {width}", tags=[tag]))
        followed = run(host.create_room(f"Guild {width}"))
        ann = people(f"Ann {width}", viewport={"width": width, "height": height})
        me = f"{ann_id}-follow-{width}"
        enter(ann, web_server, me, "/")
        page = ann.page
        chip = page.locator(".room-card", has_text=f"Cluster ops {width}").get_by_role(
            "button", name=f"Follow #{tag}"
        )
        chip.click()
        expect(
            page.locator(".room-card", has_text=f"Cluster ops {width}").get_by_role(
                "button", name=f"Following #{tag}"
            )
        ).to_have_attribute("aria-pressed", "true")
        page.get_by_role("button", name=f"Follow room Guild {width}").click()
        expect(page.get_by_role("button", name=f"Following room Guild {width}")).to_have_attribute(
            "aria-pressed", "true"
        )
        assert_labelled(ann)
        ann.shot(f"network-follow-lobby-{width}")

        when = (datetime.now(UTC) + timedelta(days=2)).isoformat()
        run(host.schedule_session(tagged["id"], f"Tagged talk {width}", starts_at=when))  # type: ignore[attr-defined]
        run(host.schedule_session(followed["id"], f"Guild talk {width}", starts_at=when))  # type: ignore[attr-defined]
        page.goto(f"{web_server.url}/for-you")
        expect(page.locator(".feed-item", has_text=f"Tagged talk {width}")).to_be_visible()
        expect(page.locator(".feed-item", has_text=f"Guild talk {width}")).to_be_visible()
        ann.shot(f"network-follow-for-you-{width}")

        page.goto(f"{web_server.url}/rooms/{followed['id']}")
        expect(page.get_by_role("button", name="Following this room")).to_have_attribute(
            "aria-pressed", "true"
        )
        page.goto(f"{web_server.url}/kb/tags/{tag}")
        expect(page.get_by_role("button", name=f"Following #{tag}")).to_be_visible()
    run(close(host))  # type: ignore[arg-type]
