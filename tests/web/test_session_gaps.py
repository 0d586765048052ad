"""The browser client closes gaps in a live session's Q&A: questions asked on another node
while the bus (Redis) was down never reached this browser's node live; when the bus returns
the node names the session's timeline head (`session:head`) and the browser reads the
timeline on from what it holds."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from tests.support.clients import user_id
from tests.support.cluster import cluster
from tests.web.conftest import Person
from tests.web.test_room import enter, expect


def test_browser_reads_questions_missed_during_a_redis_restart(
    tmp_path: Path, people: Callable[..., Person]
) -> None:
    with cluster(tmp_path, nodes=2) as (nodes, broker):
        alice_id, bob_id = user_id("alice"), user_id("bob")
        with nodes[0].http(alice_id) as http:
            room = http.post(
                "/api/v1/rooms", json={"title": "Outage Q&A", "visibility": "public"}
            ).json()["room"]["id"]
            live = http.post(f"/api/v1/rooms/{room}/sessions", json={"title": "Live"}).json()
            http.post(f"/api/v1/sessions/{live['session']['id']}/start")
        bob = people("Bob")
        enter(bob, nodes[1], bob_id, f"/rooms/{room}")
        bob.page.get_by_role("tab", name=re.compile("Q&A")).click()
        expect(bob.page.locator(".session-bar")).to_contain_text("Live")
        with nodes[0].http(alice_id) as http:
            http.post(f"/api/v1/rooms/{room}/questions", json={"body": "before the outage"})
        expect(bob.page.locator(".questions")).to_contain_text("before the outage")

        broker.stop()
        with nodes[0].http(alice_id) as http:  # node 0 cannot tell node 1
            for i in range(3):
                reply = http.post(f"/api/v1/rooms/{room}/questions", json={"body": f"cut off {i}"})
                assert reply.status_code == 201, reply.text
        broker.start()
        for i in range(3):
            expect(bob.page.locator(".questions")).to_contain_text(f"cut off {i}", timeout=30_000)
        expect(bob.page.locator(".questions > li")).to_have_count(4)
        assert not bob.problems, bob.problems
