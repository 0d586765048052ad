"""A whole session with real clients: schedule, start, chat, ask, vote, moderate, answer,
accept, end; then the archive finds it, credits the expert and exports it."""

from __future__ import annotations

import pytest

from salon.sessions.timeline import state_at
from salon_client import SalonClientError
from tests.support.clients import connected, new_room, user_id
from tests.support.servers import ServerProcess


async def test_session_end_to_end(server: ServerProcess) -> None:
    host, erin, bob, carol = user_id("host"), user_id("erin"), user_id("bob"), user_id("carol")
    async with connected(server, host, erin, bob, carol) as (h, e, b, c):
        room = await new_room(h, title="Platform office hours", tags=["ops"])
        for client in (h, e, b, c):
            await client.join(room)
        session = await h.schedule_session(
            room,
            "Certificate rotation AMA",
            description="Everything about TLS certificates on staging",
            experts=[erin],
            tags=["ops", "security"],
        )
        sid = session["id"]
        assert session["status"] == "scheduled" and session["experts"] == [erin]
        await e.wait_for("role:changed", lambda p: p["role"] == "expert", include_past=True)
        with pytest.raises(SalonClientError) as err:
            await b.start_session(sid)
        assert err.value.code == "forbidden"

        await h.start_session(sid)
        await b.wait_for("session:started", include_past=True)
        message = await b.send_chat(room, "Hello! Staging certs expire next week.")
        assert message["session_id"] == sid

        q1 = await b.ask(room, "How do we rotate the staging certs?")
        q2 = await c.ask(room, "How to rotate staging certificates??")
        assert q1["status"] == "open" and q1["asker"]["user_id"] == bob
        await c.vote(q1["id"])
        await h.vote(q1["id"])
        await b.vote(q2["id"])
        await c.vote(q2["id"])
        seen = await b.wait_for(
            "qa:question", lambda q: q["id"] == q1["id"] and q["votes"] == 2, include_past=True
        )
        assert seen["asker"]["user_id"] == bob

        # Moderated mode: new questions wait, and only hosts and the asker see them.
        await h.update_session(sid, moderated=True)
        q3 = await c.ask(room, "Can we talk about the cafeteria menu?")
        assert q3["status"] == "pending"
        assert q3["id"] not in [q["id"] for q in await b.questions(sid)]
        assert q3["id"] in [q["id"] for q in await h.questions(sid)]
        await h.wait_for("qa:question:private", lambda q: q["id"] == q3["id"], include_past=True)
        dismissed = await h.dismiss(q3["id"], "Off topic for this session")
        assert dismissed["status"] == "dismissed"
        pushed = await c.wait_for(
            "inbox:notification",
            lambda n: n["notification"]["kind"] == "question.dismissed",
            include_past=True,
        )
        note = pushed["notification"]
        assert note["data"]["reason"] == "Off topic for this session" and pushed["unread"] >= 1
        q4 = await c.ask(room, "Do the certs use ACME?")
        await h.qa("approve", question_id=q4["id"])

        # q2 duplicates q1: its votes move, carol (who voted for both) counts once.
        merged = await h.qa("merge", question_id=q2["id"], into=q1["id"])
        assert merged["status"] == "merged" and merged["merged_into"] == q1["id"]
        await b.wait_for("qa:removed", lambda r: r["question_id"] == q2["id"], include_past=True)
        listed = {q["id"]: q for q in await b.questions(sid)}
        assert listed[q1["id"]]["votes"] == 3 and q2["id"] not in listed
        grown = await b.wait_for(
            "qa:question", lambda q: q["id"] == q1["id"] and q["votes"] == 3, include_past=True
        )
        assert grown["seq"] > seen["seq"]  # updates carry their timeline seq

        with pytest.raises(SalonClientError) as err:
            await b.answer(q1["id"], "I think it is automatic")
        assert err.value.code == "forbidden"
        answered = await e.answer(q1["id"], "Run certctl rotate --env staging; it renews via ACME.")
        answer_id = answered["answers"][0]["id"]
        await e.answer(q4["id"], "Yes, Let's Encrypt.")
        accepted = await b.accept(q1["id"], answer_id)  # the asker accepts
        assert accepted["status"] == "answered" and accepted["accepted_answer_id"] == answer_id
        await c.wait_for(
            "qa:question",
            lambda q: q["id"] == q1["id"] and q["status"] == "answered",
            include_past=True,
        )
        by_votes = [q["id"] for q in await c.questions(sid)]
        assert by_votes[0] == q1["id"]
        joiner = await c.current_session(room)  # what a late joiner loads first
        assert joiner["session"]["id"] == sid
        assert [q["id"] for q in joiner["questions"]] == by_votes
        assert (await c.sessions_in(room))[0]["id"] == sid

        ended = await h.end_session(sid)
        assert ended["status"] == "ended"
        assert (await c.current_session(room))["session"] is None
        await b.wait_for("session:ended", include_past=True)
        # After the end a question waits in the room's open queue (ask anytime).
        late = await b.ask(room, "Too late?")
        assert late["queued"] is True and late["session_id"] is None

        # Search finds the answered question, with its deep link into the timeline.
        found = await c.search("rotate staging certs", answered=True, room=room)
        hit = next(h for h in found["hits"] if h["kind"] == "question")
        assert hit["id"] == str(q1["id"]) and hit["answered"]
        assert hit["link"]["session_id"] == sid and hit["link"]["seq"] > 0
        assert hit["session_title"] == "Certificate rotation AMA"
        assert hit["link"]["seq"] == accepted["answered_seq"] and hit["link"]["offset_ms"] > 0
        assert "«rotate»" in hit["snippet_marked"]
        answers = await c.search("certctl", kind="answer", room=room)
        assert answers["total"] == 1 and answers["hits"][0]["author"]["user_id"] == erin
        titles = await c.search("certificate rotation", kind="session", room=room)
        assert titles["hits"][0]["id"] == sid

        profile = await c.expert_profile(erin)
        assert profile["answers"] == 2 and profile["accepted"] == 1
        assert profile["upvotes"] == 3 and profile["sessions_led"] == 1
        assert {t["tag"] for t in profile["tags"]} == {"ops", "security"}
        board = await c.leaderboard(room=room)
        assert board[0]["user_id"] == erin and board[0]["rank"] == 1
        assert (await c.leaderboard(tag="security"))[0]["user_id"] == erin

        markdown = await b.export_session(sid)
        assert "How do we rotate the staging certs?" in markdown
        assert "certctl rotate --env staging" in markdown and "(accepted)" in markdown
        assert "Staging certs expire next week." in markdown
        assert "- Experts: Erin" in markdown
        assert "cafeteria" not in markdown  # dismissed: hosts and its asker only
        record = await c.export_session(sid, format="json")
        assert record["session"]["status"] == "ended"
        assert {p["user_id"] for p in record["session"]["participants"]} >= {host, bob, carol}

        timeline = (await h.timeline(sid, limit=1000))["events"]
        assert [ev["seq"] for ev in timeline] == list(range(1, len(timeline) + 1))
        kinds = [ev["kind"] for ev in timeline]
        assert kinds[0] == "session.started" and kinds[-1] == "session.ended"
        for kind in ("presence.join", "chat.message", "qa.ask", "qa.vote", "qa.merge"):
            assert kind in kinds
        for kind in ("qa.dismiss", "qa.answer", "qa.accept", "session.updated"):
            assert kind in kinds
        # Folding the timeline gives the state every client saw at the end.
        final = {q["id"]: q for q in state_at(timeline, timeline[-1]["seq"])["questions"]}
        assert final[q1["id"]]["votes"] == 3 and final[q1["id"]]["status"] == "answered"
        assert q2["id"] not in final and q3["id"] not in final
        stamps = [ev["at"] for ev in timeline]
        assert stamps == sorted(stamps)
