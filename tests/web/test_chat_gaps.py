"""The browser client closes chat gaps: a message stored but never broadcast (its node died
between the commit and the broadcast) is fetched when the next one shows the seq jump, and a
catch-up longer than one rejoin (500) follows next_after to the end."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.support.clients import user_id
from tests.support.cluster import cluster
from tests.web.conftest import Person
from tests.web.test_room import enter, expect


def test_browser_fetches_a_gap_and_follows_next_after(
    tmp_path: Path, people: Callable[..., Person]
) -> None:
    crash = {0: {"test_crash_at": "chat.after_commit"}}
    fast = {"chat_rate": 2000, "chat_burst": 5000}
    with cluster(tmp_path, nodes=2, per_node=crash, **fast) as (nodes, _):
        alice_id, bob_id = user_id("alice"), user_id("bob")
        with nodes[1].http(alice_id) as http:
            room = http.post("/api/v1/rooms", json={"title": "Gaps"}).json()["room"]["id"]
        bob = people("Bob")
        enter(bob, nodes[1], bob_id, f"/rooms/{room}")
        expect(bob.page.locator(".people")).to_contain_text("Bob")

        with nodes[0].http(alice_id) as http, pytest.raises(httpx.HTTPError):
            http.post(f"/api/v1/rooms/{room}/chat", json={"client_id": "c1", "body": "stored"})
        with nodes[1].http(alice_id) as http:
            http.post(f"/api/v1/rooms/{room}/chat", json={"client_id": "c2", "body": "next one"})
        expect(bob.page.locator(".messages")).to_contain_text("next one")
        expect(bob.page.locator(".msg", has_text="stored")).to_have_count(1)  # fetched

        bob.context.set_offline(True)
        expect(bob.page.locator("#conn")).to_have_text(re.compile("Offline|Reconnecting"))
        with nodes[1].http(alice_id) as http:
            for i in range(520):
                body = {"client_id": f"m{i}", "body": f"missed {i}"}
                http.post(f"/api/v1/rooms/{room}/chat", json=body)
        bob.context.set_offline(False)
        expect(bob.page.locator("#conn")).to_have_text("Online")
        expect(bob.page.locator(".messages")).to_contain_text("missed 519")
        expect(bob.page.locator(".msg:not(.pending)")).to_have_count(522)
