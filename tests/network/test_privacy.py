"""No follow reveals a room one may not see: for every feed item kind and notification kind,
a person who cannot see the room never receives it, and losing access hides what came before."""

from __future__ import annotations

import httpx

from salon_client import SalonClient
from tests.network.helpers import inbox_kinds
from tests.support.clients import connected, new_room, user_id
from tests.support.servers import ServerProcess


async def feed_rooms(client: SalonClient) -> set[str]:
    return {i["room"]["id"] for i in (await client.feed(limit=100))["items"]}


async def run_everything(h: SalonClient, e: SalonClient, room: str, erin: str) -> None:
    """Every feed item kind in ``room``: scheduled, live, answered, accepted, archived."""
    await h.schedule_session(room, "Planned secret", experts=[erin])
    session = await h.schedule_session(room, "Secret session", experts=[erin], tags=["ops"])
    await h.start_session(session["id"])
    q = await h.ask(room, "Secret question?")
    answer = await e.answer(q["id"], "Secret answer")
    await h.accept(q["id"], answer["answers"][-1]["id"])
    await h.end_session(session["id"])


async def test_private_rooms_never_reach_outsiders(server: ServerProcess) -> None:
    host, erin, out = user_id("host"), user_id("erin"), user_id("out")
    async with connected(server, host, erin, out) as (h, e, o):
        private = await new_room(h, title="Private", visibility="invite-only", tags=["ops"])
        await h.set_role(private, erin, "expert")
        await o.follow("tag", "ops")
        await o.follow("user", erin)
        await h.join(private)
        await e.join(private)
        await run_everything(h, e, private, erin)
        await h.send_chat(private, f"@Out you should not hear this, @{out}")
        assert private not in await feed_rooms(o)
        assert (await o.feed(limit=100))["items"] == []
        assert await inbox_kinds(o) == []
        assert not o.events["inbox:notification"]
        calendar = await o.request("POST", "/api/v1/me/calendar")
        token = calendar["calendar"]["url"].rsplit("/", 1)[1]
        ics = httpx.get(f"{server.url}/api/v1/calendar/{token}", timeout=10)
        assert ics.status_code == 200 and "BEGIN:VCALENDAR" in ics.text
        assert "Secret" not in ics.text


async def test_losing_access_hides_feed_and_inbox(server: ServerProcess) -> None:
    host, erin, mem = user_id("host"), user_id("erin"), user_id("mem")
    async with connected(server, host, erin, mem) as (h, e, m):
        private = await new_room(h, title="Team", visibility="invite-only", tags=["ops"])
        await h.set_role(private, erin, "expert")
        await h.set_role(private, mem, "participant")
        await m.follow("user", erin)
        await m.follow("room", private)
        for client in (h, m, e):
            await client.join(private)
        session = await h.schedule_session(private, "Team session", experts=[erin])
        await h.start_session(session["id"])
        q = await m.ask(private, "Member question?")
        await h.vote(q["id"])
        answer = await e.answer(q["id"], "Member answer")
        await h.accept(q["id"], answer["answers"][-1]["id"])
        await h.send_chat(private, f"@{mem} see above")
        before = set(await inbox_kinds(m))
        assert {"session.scheduled", "session.started", "question.answered"} <= before
        assert {"question.accepted", "question.upvoted", "mention"} <= before
        assert private in await feed_rooms(m)

        await h.remove_member(private, mem)
        assert await inbox_kinds(m) == []  # what came before is hidden at read time
        assert (await m.inbox_catch_up()) == []
        assert (await m.request("GET", "/api/v1/inbox/counts"))["unread"] == 0
        assert private not in await feed_rooms(m)
        pushed_before = len(m.events["inbox:notification"])
        # And nothing new arrives: a dismissal, another session, a mention.
        q2 = await h.ask(private, "Host question")
        await h.dismiss(q2["id"], "no")
        await h.end_session(session["id"])
        await h.schedule_session(private, "Later", experts=[erin])
        await h.send_chat(private, f"@{mem} are you there?")
        assert await inbox_kinds(m) == []
        assert len(m.events["inbox:notification"]) == pushed_before
        assert private not in await feed_rooms(m)


async def test_public_room_removal_also_hides(server: ServerProcess) -> None:
    host, fan = user_id("host"), user_id("fan")
    async with connected(server, host, fan) as (h, f):
        room = await new_room(h, title="Open", tags=["k8s"])
        await f.follow("tag", "k8s")
        await h.schedule_session(room, "Open session")
        assert room in await feed_rooms(f)
        await h.remove_member(room, fan)
        assert room not in await feed_rooms(f)
