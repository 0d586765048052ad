"""Q&A rules under real clients: votes under concurrent clicks, own-question edits,
answers after the session, and notifications that wait for the asker to reconnect."""

from __future__ import annotations

import asyncio

import pytest

from salon_client import SalonClient, SalonClientError
from tests.support.clients import connected, new_room, user_id
from tests.support.servers import ServerProcess


async def live_room(h: SalonClient, **fields: object) -> tuple[str, str]:
    room = await new_room(h)
    await h.join(room)
    session = await h.schedule_session(room, "Q&A", **fields)
    await h.start_session(session["id"])
    return room, session["id"]


async def test_concurrent_votes_count_once_per_person(server: ServerProcess) -> None:
    host, bob, voters = user_id("host"), user_id("bob"), [user_id("v") for _ in range(5)]
    async with connected(server, host, bob, bob, bob, *voters) as clients:
        h, tab1, tab2, tab3, *others = clients
        room, sid = await live_room(h)
        q = await tab1.ask(room, "Which clicks count?")
        # One person clicking many times from three tabs at once: one vote.
        clicks = [tab.vote(q["id"]) for tab in (tab1, tab2, tab3) for _ in range(4)]
        await asyncio.gather(*clicks)
        assert (await h.questions(sid))[0]["votes"] == 1
        # Five people at once: five votes, then each twice more: still five.
        await asyncio.gather(*(v.vote(q["id"]) for v in others))
        await asyncio.gather(*(v.vote(q["id"]) for v in others for _ in range(2)))
        listed = await h.questions(sid)
        assert listed[0]["votes"] == 6
        await asyncio.gather(*(v.vote(q["id"], on=False) for v in others[:2]))
        assert (await tab1.questions(sid))[0]["votes"] == 4
        assert (await tab1.questions(sid))[0]["voted"] is True


async def notes_text(server: ServerProcess, user: str, room: str, expect: str) -> str:
    """The notes as the archive has them (the document log commits in short batches)."""
    text = ""
    with server.http(user) as http:
        for _ in range(50):
            reply = http.get(f"/api/v1/rooms/{room}/documents/notes/content")
            text = reply.text if reply.status_code == 200 else ""
            if expect in text:
                break
            await asyncio.sleep(0.1)
    return text


async def test_own_question_edit_withdraw_and_rules(server: ServerProcess) -> None:
    host, bob, carol, erin = user_id("host"), user_id("bob"), user_id("carol"), user_id("erin")
    async with connected(server, host, bob, carol, erin) as (h, b, c, e):
        room, sid = await live_room(h, experts=[erin])
        q = await b.ask(room, "First draft")
        with pytest.raises(SalonClientError) as err:
            await c.qa("edit", question_id=q["id"], body="hijack")
        assert err.value.code == "forbidden"
        edited = await b.qa("edit", question_id=q["id"], body="Second draft")
        assert edited["body"] == "Second draft" and edited["edited_at"]
        await e.answer(q["id"], "An answer")
        with pytest.raises(SalonClientError) as err:
            await b.qa("withdraw", question_id=q["id"])
        assert err.value.code == "conflict"
        other = await b.ask(room, "Never mind this one")
        assert (await b.qa("withdraw", question_id=other["id"]))["status"] == "withdrawn"
        assert [x["id"] for x in await c.questions(sid)] == [q["id"]]
        with pytest.raises(SalonClientError) as err:
            await c.qa("pin", question_id=q["id"])
        assert err.value.code == "forbidden"
        with pytest.raises(SalonClientError) as err:
            await c.vote(999_999_999)
        assert err.value.code == "not_found"
        with pytest.raises(SalonClientError) as err:
            await c.call("qa:ask", {"room_id": room, "body": "   "})
        assert err.value.code == "bad_request"
        # Several answers, each editable by its author.
        second = await h.answer(q["id"], "Another view")
        mine = second["answers"][0]
        changed = await e.qa("answer_edit", answer_id=mine["id"], body="An answer, refined")
        assert changed["answers"][0]["body"] == "An answer, refined"
        assert [a["author"]["user_id"] for a in changed["answers"]] == [erin, host]
        with pytest.raises(SalonClientError) as err:
            await e.qa("answer_edit", answer_id=changed["answers"][1]["id"], body="mine now")
        assert err.value.code == "forbidden"
        # Answered questions go into the session notes document (made if missing).
        await e.qa("mark_answered", question_id=q["id"], answered=True)
        with pytest.raises(SalonClientError) as err:
            await c.call("qa:append_to_notes", {"session_id": sid})
        assert err.value.code == "forbidden"
        appended = await e.call("qa:append_to_notes", {"session_id": sid})
        assert appended["appended"] == [q["id"]]
        notes = await notes_text(server, host, room, "Q: Second draft")
        assert "A (Erin): An answer, refined" in notes and "A (Host): Another view" in notes


async def test_answer_after_session_notifies_asker_on_reconnect(server: ServerProcess) -> None:
    host, bob, erin = user_id("host"), user_id("bob"), user_id("erin")
    async with connected(server, host, erin) as (h, e):
        room = await new_room(h)
        await h.join(room)
        session = await h.schedule_session(room, "Later answers", experts=[erin])
        await h.start_session(session["id"])
        async with connected(server, bob) as (b,):
            q = await b.ask(room, "Will anyone answer after the session?")
        await h.end_session(session["id"])
        # Bob is offline; an expert answers the open question over REST afterwards.
        await e.request("POST", f"/api/v1/questions/{q['id']}/answers", {"body": "Yes, we do."})
        async with connected(server, bob) as (b,):
            # Bob catches up on what he missed; the note waits in his inbox, unread.
            missed = await b.inbox_catch_up()
            note = next(n for n in missed if n["kind"] == "question.answered")
            assert note["data"]["question_id"] == q["id"] and note["data"]["by"] == "Erin"
            assert not note["read"]
            assert (await b.ack_notifications([note["id"]])) == 1
            pending = await b.request("GET", "/api/v1/notifications")
            assert note["id"] not in [n["id"] for n in pending["notifications"]]
            inbox = await b.inbox()
            assert [n["read"] for n in inbox["notifications"] if n["id"] == note["id"]] == [True]
        async with connected(server, bob) as (b,):
            # Nothing is pushed again on connect: the inbox is read, not re-sent.
            await asyncio.sleep(0.3)
            assert not b.events["inbox:notification"]
