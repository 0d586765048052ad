"""The notifications inbox: live to every socket of the person, read state and counts,
per-kind preferences, catch-up by id after a reconnect, batched upvotes, @mentions of people
who are offline, followers told of sessions, and the 15-minute reminder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from salon_client import SalonClient
from tests.network.helpers import error_of, inbox_kinds, pushed
from tests.support.clients import connected, new_room, user_id
from tests.support.servers import ServerProcess


async def test_live_to_every_socket_with_read_state(server: ServerProcess) -> None:
    ann, erin = user_id("ann"), user_id("erin")
    async with connected(server, erin, erin, ann) as (tab1, tab2, a):
        await a.follow("user", erin)
        one = await pushed(tab1, "follow.new", user_id=ann)
        assert (await pushed(tab2, "follow.new", user_id=ann))["id"] == one["id"]
        assert tab1.events["inbox:notification"][-1]["unread"] == 1
        assert await tab1.call("inbox:counts", {}) == {"ok": True, "unread": 1, "total": 1}

        assert await tab1.mark_read([one["id"]]) == 1
        read = await tab2.wait_for("inbox:read", include_past=True)  # the other tab hears it
        assert read["ids"] == [one["id"]] and read["unread"] == 0
        assert await tab1.mark_read([one["id"]]) == 0  # already read: nothing changes
        page = await tab2.inbox()
        assert page["unread"] == 0 and page["notifications"][0]["read"] is True

        await a.unfollow("user", erin)
        await a.follow("user", erin)
        assert (await tab1.inbox(unread=True))["unread"] == 1
        assert await tab2.mark_read() == 1  # all
        rest = await a.request("GET", "/api/v1/inbox/counts")
        assert rest["unread"] == 0  # Ann's own inbox is empty, and nobody else's leaks
        assert await error_of(tab1, "inbox:read", {"ids": []}) == "bad_request"
        assert await error_of(tab1, "inbox:read", {"ids": [0]}) == "bad_request"
        assert await error_of(tab1, "inbox:page", {"limit": 1000}) == "bad_request"


async def test_notes_of_others_cannot_be_marked(server: ServerProcess) -> None:
    ann, bo, erin = user_id("ann"), user_id("bo"), user_id("erin")
    async with connected(server, ann, bo, erin) as (a, b, e):
        await a.follow("user", erin)
        note = await pushed(e, "follow.new")
        assert await b.mark_read([note["id"]]) == 0
        assert (await e.inbox())["unread"] == 1


async def test_preferences_switch_kinds_off(server: ServerProcess) -> None:
    ann, erin = user_id("ann"), user_id("erin")
    async with connected(server, ann, erin) as (a, e):
        prefs = await e.inbox_preferences()
        assert prefs["follow.new"] is True and prefs["mention"] is True
        assert (await e.inbox_preferences(**{"follow.new": False}))["follow.new"] is False
        await a.follow("user", erin)
        assert await inbox_kinds(e) == []
        rest = await e.request("GET", "/api/v1/inbox/preferences")
        assert rest["preferences"]["follow.new"] is False
        bad = {"preferences": {"no.such.kind": True}}
        assert await error_of(e, "inbox:preferences:set", bad) == "bad_request"
        assert await error_of(e, "inbox:preferences:set", {"preferences": {"mention": 1}}) == (
            "bad_request"
        )
        await e.request("PUT", "/api/v1/inbox/preferences", {"preferences": {"follow.new": True}})
        await a.unfollow("user", erin)
        await a.follow("user", erin)
        assert await inbox_kinds(e) == ["follow.new"]


async def test_reconnect_catches_up_exactly_what_was_missed(server: ServerProcess) -> None:
    erin, ann, bo, cy = user_id("erin"), user_id("ann"), user_id("bo"), user_id("cy")
    async with connected(server, erin, ann, bo, cy) as (e, a, b, c):
        await a.follow("user", erin)
        seen = await pushed(e, "follow.new", user_id=ann)
        assert e.inbox_after == seen["id"]
        after = e.inbox_after
        await e.close()
        await b.follow("user", erin)
        await c.follow("user", erin)
        back = SalonClient(server.url, token=server.token(erin, "Erin"))
        back.inbox_after = after
        await back.connect()
        try:
            missed = await back.inbox_catch_up()
            assert [n["data"]["user_id"] for n in missed] == [bo, cy]
            assert await back.inbox_catch_up() == []  # nothing twice
            rest = await back.request("GET", "/api/v1/inbox/sync", after=after)
            assert [n["id"] for n in rest["notifications"]] == [n["id"] for n in missed]
        finally:
            await back.close()


async def test_upvotes_are_batched(server: ServerProcess) -> None:
    host, asker = user_id("host"), user_id("asker")
    voters = [user_id(f"v{i}") for i in range(3)]
    async with connected(server, host, asker, *voters) as (h, q_asker, *vs):
        room = await new_room(h)
        session = await h.schedule_session(room, "Votes")
        await h.start_session(session["id"])
        q = await q_asker.ask(room, "Which cert tool do we use?")
        for v in vs:
            await v.vote(q["id"])
        await vs[0].vote(q["id"], on=False)
        await vs[0].vote(q["id"])  # the same person again counts once
        page = await q_asker.inbox()
        batched = [n for n in page["notifications"] if n["kind"] == "question.upvoted"]
        assert len(batched) == 1
        data = batched[0]["data"]
        assert data["count"] == 3 and len(data["actors"]) == 3 and data["replaces"] is not None
        assert page["unread"] == 1
        live = [
            e["notification"]
            for e in q_asker.events["inbox:notification"]
            if e["notification"]["kind"] == "question.upvoted"
        ]
        assert [n["data"]["count"] for n in live] == [1, 2, 3]  # each replaced the last
        await q_asker.mark_read()
        await vs[0].vote(q["id"], on=False)
        await vs[0].vote(q["id"])
        fresh = [n for n in (await q_asker.inbox(unread=True))["notifications"]]
        assert [n["data"]["count"] for n in fresh] == [1]  # after reading, a new batch starts


async def test_mentions_reach_offline_members(server: ServerProcess) -> None:
    ann, bob, cat = user_id("ann"), user_id("bob"), user_id("cat")
    async with connected(server, ann, bob, cat) as (a, b, c):
        room = await new_room(a, title="Certs")
        private = await new_room(a, title="Secret", visibility="invite-only")
        await a.set_role(room, bob, "participant")
        await a.join(room)
        await c.inbox_preferences(mention=False)
        await a.set_role(room, cat, "participant")
    async with connected(server, ann) as (a,):
        await a.join(room)
        sent = await a.send_chat(room, f"@Bob can you rotate them? cc @{cat} and @nobody")
        await a.join(private)
        await a.send_chat(private, "@Bob do not tell anyone")  # Bob cannot see this room
        await a.send_chat(room, "email me at ann@example.com about @bobby")  # not a mention
    async with connected(server, bob, cat) as (b, c):
        missed = await b.inbox_catch_up()
        assert [n["kind"] for n in missed] == ["mention"]
        note = missed[0]
        assert note["data"]["seq"] == sent["seq"] and note["data"]["by"] == "Ann"
        assert note["link"]["path"] == f"/rooms/{room}#chat-{sent['seq']}"
        assert await c.inbox_catch_up() == []  # Cat switched mentions off


async def test_followers_hear_of_sessions_and_reminders(own_server: ServerProcess) -> None:
    own_server.settings.update(reminder_interval=0.2, reminder_lead=900)
    with own_server.running():
        host, erin, fan, other = user_id("host"), user_id("erin"), user_id("fan"), user_id("o")
        async with connected(own_server, host, erin, fan, other) as (h, _e, f, o):
            room = await new_room(h, title="Platform")
            await f.follow("user", erin)
            await o.follow("room", room)
            soon = (datetime.now(UTC) + timedelta(minutes=10)).isoformat()
            session = await h.schedule_session(
                room, "Cert rotation", experts=[erin], starts_at=soon
            )
            scheduled = await pushed(f, "session.scheduled", session_id=session["id"])
            assert scheduled["data"]["experts"] == [erin]
            assert scheduled["link"]["path"] == f"/rooms/{room}"
            # The room's follower and the expert's follower are both reminded, once.
            for client in (f, o):
                reminder = await pushed(client, "session.soon", session_id=session["id"])
                assert reminder["data"]["title"] == "Cert rotation"
            await h.start_session(session["id"])
            await pushed(f, "session.started", session_id=session["id"])
            kinds = await inbox_kinds(f)
            assert kinds.count("session.soon") == 1
            assert "session.scheduled" not in await inbox_kinds(o)  # rooms are for the feed
