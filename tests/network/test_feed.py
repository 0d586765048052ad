"""The "For you" feed: sessions (upcoming, live, archived) and answers in the rooms, tags and
people one follows, newest first, paged by cursor, each with a deep link."""

from __future__ import annotations

from typing import Any

from salon_client import SalonClient
from tests.network.helpers import error_of
from tests.support.clients import connected, new_room, user_id
from tests.support.servers import ServerProcess


async def whole_feed(client: SalonClient, limit: int = 2) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    before = None
    while True:
        page = await client.feed(before=before, limit=limit)
        items.extend(page["items"])
        before = page["next_before"]
        if before is None:
            return items


async def test_feed_follows_tags_people_and_rooms(server: ServerProcess) -> None:
    host, erin, ann = user_id("host"), user_id("erin"), user_id("ann")
    tag = user_id("certs")  # unique: other tests on this server use tags too
    async with connected(server, host, erin, ann) as (h, e, a):
        tagged = await new_room(h, title="Platform", tags=[tag])
        followed = await new_room(h, title="Followed room")
        elsewhere = await new_room(h, title="Unrelated")
        await a.follow("tag", tag.upper())
        await a.follow("user", erin)
        await a.follow("room", followed)

        upcoming = await h.schedule_session(followed, "Planned")
        unrelated = await h.schedule_session(elsewhere, "Nobody follows this")
        by_erin = await h.schedule_session(elsewhere, "Erin's hour", experts=[erin])
        feed = await a.feed()
        assert [(i["kind"], i["session"]["id"]) for i in feed["items"]] == [
            ("session.scheduled", by_erin["id"]),
            ("session.scheduled", upcoming["id"]),
        ]
        assert feed["items"][1]["link"]["path"] == f"/rooms/{followed}"
        assert unrelated["id"] not in str(feed)

        live = await h.schedule_session(tagged, "Rotating certs", experts=[erin])
        await h.start_session(live["id"])
        q = await a.ask(tagged, "How do we rotate the staging certs?")
        answer = await e.answer(q["id"], "certbot renew, then reload nginx")
        answer_id = answer["answers"][-1]["id"]
        await a.accept(q["id"], answer_id)
        items = (await a.feed())["items"]
        kinds = [i["kind"] for i in items]
        # The live item speaks for the session now; its scheduled item is gone.
        assert kinds[:3] == ["answer.accepted", "question.answered", "session.live"]
        assert ("session.scheduled", live["id"]) not in [
            (i["kind"], i["session"]["id"]) for i in items
        ]
        accepted = items[0]
        assert (
            accepted["answer"]["body"].startswith("certbot")
            and accepted["question"]["id"] == q["id"]
        )
        assert "asker" not in accepted["question"]

        await h.end_session(live["id"])
        everything = await whole_feed(a, limit=2)
        ids = [i["id"] for i in everything]
        assert ids == sorted(ids, reverse=True) and len(ids) == len(set(ids))
        archived = next(i for i in everything if i["kind"] == "session.archived")
        assert archived["link"]["path"] == f"/replay/{live['id']}"
        answered = next(i for i in everything if i["kind"] == "question.answered")
        assert answered["link"]["path"].startswith(f"/replay/{live['id']}?seq=")
        assert answered["link"]["seq"] is not None
        rest = await a.request("GET", "/api/v1/feed", limit=50)
        assert [i["id"] for i in rest["items"]] == ids

        assert await error_of(a, "feed:page", {"limit": 0}) == "bad_request"
        assert await error_of(a, "feed:page", {"before": "x"}) == "bad_request"
        assert (await h.feed())["items"] == []  # following nothing, one sees nothing
