"""Anonymous askers stay anonymous to participants, through every event and endpoint;
pending and dismissed questions and deleted chat stay out of everyone else's view."""

from __future__ import annotations

import json
from typing import Any

from tests.support.clients import connected, new_room, user_id
from tests.support.servers import ServerProcess


def dumped(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


async def test_anonymous_asker_is_never_revealed_to_participants(server: ServerProcess) -> None:
    host, erin, zelda, pat = user_id("host"), user_id("erin"), user_id("zelda"), user_id("pat")
    async with connected(server, host, erin, zelda, pat) as (h, e, z, p):
        room = await new_room(h, title="Anonymous Q&A")
        # The asker never joins (so no presence event names them) but may still ask.
        for client in (h, e, p):
            await client.join(room)
        session = await h.schedule_session(room, "Ask me anything", experts=[erin])
        sid = session["id"]
        await h.start_session(sid)
        q = await z.ask(room, "Is my team's rollout blocked by the cert expiry?", anonymous=True)
        assert q["asker"]["user_id"] == zelda and q["mine"]  # the asker sees themselves
        await z.qa("edit", question_id=q["id"], body="Is our rollout blocked by the cert expiry?")
        await p.vote(q["id"])
        await e.answer(q["id"], "No, expiry is in two weeks.")
        await e.qa("mark_answered", question_id=q["id"], answered=True)
        await h.qa("pin", question_id=q["id"])

        # Hosts see who asked.
        seen_by_host = await h.questions(sid)
        assert seen_by_host[0]["asker"]["user_id"] == zelda
        private = await h.wait_for("qa:question:private", include_past=True)
        assert private["asker"]["user_id"] == zelda

        await h.end_session(sid)
        await p.wait_for("session:ended", include_past=True)

        # Everything the participant can reach through the API.
        replies: list[Any] = [
            await p.questions(sid),
            await p.questions(sid, sort="recent"),
            await p.timeline(sid, limit=1000),
            await p.get_session(sid),
            await p.export_session(sid),
            await p.export_session(sid, format="json"),
            await p.search("rollout blocked"),
            await p.search("expiry", kind="answer,question"),
            await p.request("GET", f"/api/v1/sessions/{sid}/questions"),
            await p.request("GET", f"/api/v1/sessions/{sid}/timeline"),
            await p.request("GET", "/api/v1/notifications"),
            await p.leaderboard(room=room),
            await p.expert_profile(erin),
        ]
        assert (await p.questions(sid))[0]["asker"] is None
        assert (await p.search("rollout blocked"))["hits"][0]["author"] is None
        received = dict(p.events)
        assert "qa:question:private" not in received
        assert received["qa:question"], "the participant did get live updates"
        for blob in [dumped(received), *map(dumped, replies)]:
            assert zelda not in blob
            assert "Zelda" not in blob


async def test_pending_and_dismissed_stay_with_hosts_and_asker(server: ServerProcess) -> None:
    host, ann, pat = user_id("host"), user_id("ann"), user_id("pat")
    async with connected(server, host, ann, pat) as (h, a, p):
        room = await new_room(h)
        for client in (h, a, p):
            await client.join(room)
        session = await h.schedule_session(room, "Moderated", moderated=True)
        await h.start_session(session["id"])
        q = await a.ask(room, "Secret pending question about zeppelins")
        assert q["status"] == "pending"
        await h.dismiss(q["id"], "duplicate")
        assert [x["id"] for x in await a.questions(session["id"])] == [q["id"]]
        assert await p.questions(session["id"]) == []
        message = await p.send_chat(room, "oops my password is hunter2")
        await p.delete_chat(room, message["id"])
        await h.end_session(session["id"])

        for client in (p, a):
            assert (await client.search("zeppelins"))["total"] == 0
            assert (await client.search("hunter2"))["total"] == 0
        # The live room saw the message before its deletion; the archive never shows it again.
        events = dumped((await p.timeline(session["id"], limit=1000))["events"])
        assert "zeppelins" not in events and "hunter2" not in events, events
        assert "zeppelins" not in dumped(dict(p.events))
        assert "zeppelins" not in await p.export_session(session["id"])
        # The host still sees the moderation record.
        host_view = await h.questions(session["id"])
        assert host_view[0]["dismiss_reason"] == "duplicate"


async def test_private_rooms_stay_out_of_outsiders_search(server: ServerProcess) -> None:
    host, outsider = user_id("host"), user_id("out")
    async with connected(server, host, outsider) as (h, o):
        room = await new_room(h, title="Secret", visibility="invite-only")
        await h.join(room)
        session = await h.schedule_session(room, "Quokka strategy")
        await h.start_session(session["id"])
        await h.ask(room, "What about the quokka budget?")
        await h.end_session(session["id"])
        assert (await h.search("quokka"))["total"] >= 2
        assert (await o.search("quokka"))["total"] == 0
        assert (await o.leaderboard(room=room)) == []
