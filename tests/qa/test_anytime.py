"""Ask anytime, end to end over real servers (SQLite and PostgreSQL) and real Socket.IO
clients: asking, answering, accepting and voting with no session live; the queue brought
into a live session; "already answered?" suggestions that respect visibility and
redaction; merge proposals; knowledge-base pages that follow accepts, pins and votes."""

from __future__ import annotations

from typing import Any

import pytest

from salon_client import SalonClient, SalonClientError
from tests.support.clients import connected, new_room, user_id
from tests.support.servers import ServerProcess


async def queue(c: SalonClient, **scope: Any) -> list[dict[str, Any]]:
    return list((await c.call("qa:queue", scope))["questions"])


async def refused(code: str, c: SalonClient, event: str, payload: dict[str, Any]) -> None:
    with pytest.raises(SalonClientError) as err:
        await c.call(event, payload)
    assert err.value.code == code, err.value


async def note(c: SalonClient, kind: str, question_id: int) -> dict[str, Any]:
    pushed = await c.wait_for(
        "inbox:notification",
        lambda n: (
            n["notification"]["kind"] == kind
            and n["notification"]["data"]["question_id"] == question_id
        ),
        include_past=True,
    )
    return dict(pushed["notification"])


async def test_ask_answer_accept_and_vote_with_no_session(server: ServerProcess) -> None:
    host, bob, carol, erin, frank, gus = (
        user_id(p) for p in ("host", "bob", "carol", "erin", "frank", "gus")
    )
    async with connected(server, host, bob, carol, erin, frank, gus) as (h, b, c, e, f, g):
        room = await new_room(h)
        await h.set_role(room, erin, "expert")
        tag = f"certs-{room[:6]}"
        asked = await b.call(
            "qa:ask", {"room_id": room, "body": "How do we renew certs?", "tag": tag}
        )
        q = asked["question"]
        assert q["queued"] is True and q["session_id"] is None and q["status"] == "open"
        assert q["tag"] == tag
        # The room's expert and host are told; the asker is not told of their own question.
        assert (await note(e, "question.queued", q["id"]))["data"]["tag"] == tag
        await note(h, "question.queued", q["id"])
        assert not [
            n
            for n in b.events["inbox:notification"]
            if n["notification"]["data"].get("question_id") == q["id"]
        ]
        # Votes, as live: once per person.
        await c.vote(q["id"])
        assert (await c.vote(q["id"]))["votes"] == 1
        # Everyone who may see the room sees the queue, and the tag's queue.
        assert [x["id"] for x in await queue(g, room_id=room)] == [q["id"]]
        assert [x["id"] for x in await queue(g, tag=tag)] == [q["id"]]
        # Only experts answer; a participant may not.
        await refused("forbidden", g, "qa:answer", {"question_id": q["id"], "body": "guess"})
        answered = await e.answer(q["id"], "Run `make certs` on the bastion.")
        assert answered["status"] == "open" and answered["answers"][0]["seq"] is None
        await note(b, "question.answered", q["id"])
        # The asker accepts: it leaves the open queue and settles.
        accepted = await b.accept(q["id"], answered["answers"][0]["id"])
        assert accepted["status"] == "answered" and accepted["answered_seq"] is None
        await note(e, "answer.accepted", q["id"])
        assert await queue(g, room_id=room) == []
        settled = await queue(g, room_id=room, status="answered")
        assert settled[0]["accepted_answer_id"] == answered["answers"][0]["id"]

        # A named expert outside the room (public room: they can see it) is told and answers.
        named = (
            await b.call(
                "qa:ask", {"room_id": room, "body": "Who owns the VPN config?", "expert": frank}
            )
        )["question"]
        assert (await note(f, "question.for_you", named["id"]))["data"]["expert_id"] == frank
        by_frank = await f.answer(named["id"], "The network team.")
        assert by_frank["answers"][0]["author"]["user_id"] == frank
        await refused("forbidden", g, "qa:answer", {"question_id": named["id"], "body": "me"})

        # Anonymity, edits and moderation as live.
        anon = (
            await c.call(
                "qa:ask", {"room_id": room, "body": "Is the wiki down?", "anonymous": True}
            )
        )["question"]
        seen = {x["id"]: x for x in await queue(g, room_id=room)}
        assert seen[anon["id"]]["asker"] is None
        assert {x["id"]: x for x in await queue(h, room_id=room)}[anon["id"]]["asker"][
            "user_id"
        ] == carol
        assert (await c.qa("edit", question_id=anon["id"], body="Is the wiki down again?"))[
            "edited_at"
        ]
        await refused("forbidden", g, "qa:dismiss", {"question_id": anon["id"]})
        await h.dismiss(anon["id"], "answered in the channel")
        assert anon["id"] not in {x["id"] for x in await queue(g, room_id=room)}
        assert anon["id"] in {x["id"] for x in await queue(c, room_id=room, status="all")}

        # Merges stay inside one queue.
        dup = await g.ask(room, "Who owns the VPN configuration?")
        merged = await h.qa("merge", question_id=dup["id"], into=named["id"])
        assert merged["status"] == "merged" and merged["merged_into"] == named["id"]

        # Bad input changes nothing.
        await refused("bad_request", g, "qa:queue", {})
        await refused("bad_request", g, "qa:queue", {"room_id": room, "tag": tag})
        await refused("bad_request", b, "qa:ask", {"room_id": room, "body": "x", "tag": ""})


async def test_private_room_queue_stays_private(server: ServerProcess) -> None:
    host, member, outsider = user_id("host"), user_id("mia"), user_id("otto")
    async with connected(server, host, member, outsider) as (h, m, o):
        room = await new_room(h, visibility="invite-only")
        await h.set_role(room, member, "participant")
        tag = f"secret-{room[:6]}"
        q = (await m.call("qa:ask", {"room_id": room, "body": "Budget for Q3?", "tag": tag}))[
            "question"
        ]
        assert await queue(o, tag=tag) == []
        await refused("not_member", o, "qa:queue", {"room_id": room})
        await refused("not_member", o, "qa:vote", {"question_id": q["id"]})
        # Naming an expert who cannot see the room is refused, and nothing is asked.
        await refused(
            "bad_request", m, "qa:ask", {"room_id": room, "body": "Hi?", "expert": outsider}
        )
        assert [x["id"] for x in await queue(m, room_id=room)] == [q["id"]]


async def test_queue_brought_into_a_live_session(server: ServerProcess) -> None:
    host, bob, carol = user_id("host"), user_id("bob"), user_id("carol")
    async with connected(server, host, bob, carol) as (h, b, c):
        room = await new_room(h)
        first = await b.ask(room, "What is on the roadmap?")
        second = await c.ask(room, "When is the next release?")
        await c.vote(first["id"])
        await refused("conflict", h, "qa:queue:bring", {"room_id": room})
        session = await h.schedule_session(room, "Office hours")
        await h.start_session(session["id"])
        await refused("forbidden", c, "qa:queue:bring", {"room_id": room})
        await c.join(room)
        brought = (await h.call("qa:queue:bring", {"room_id": room}))["questions"]
        assert [q["id"] for q in brought] == [first["id"], second["id"]]
        assert all(q["session_id"] == session["id"] and not q["queued"] for q in brought)
        await c.wait_for("qa:question", lambda q: q["id"] == second["id"], include_past=True)
        listed = await c.questions(session["id"])
        assert [q["id"] for q in listed] == [first["id"], second["id"]]
        assert listed[0]["votes"] == 1 and listed[0]["asked_seq"] > 0
        assert await queue(c, room_id=room) == []
        events = (await h.timeline(session["id"]))["events"]
        assert [e["kind"] for e in events].count("qa.bring") == 2
        # While the session is live new questions join it, as before.
        live = await b.ask(room, "Another one?")
        assert live["session_id"] == session["id"]
        # Nothing left: bringing again moves nothing.
        assert (await h.call("qa:queue:bring", {"room_id": room}))["questions"] == []


async def answered_live(
    h: SalonClient, e: SalonClient, room: str, body: str, answer: str, tags: list[str]
) -> tuple[dict[str, Any], str]:
    session = await h.schedule_session(room, "Ops Q&A", tags=tags)
    await h.start_session(session["id"])
    q = await h.ask(room, body)
    a = (await e.answer(q["id"], answer))["answers"][0]
    await h.accept(q["id"], a["id"])
    await h.end_session(session["id"])
    return a, session["id"]


async def test_suggestions_respect_visibility_and_redaction(server: ServerProcess) -> None:
    host, erin, reader, insider = user_id("host"), user_id("erin"), user_id("rita"), user_id("ivy")
    async with connected(server, host, erin, reader, insider) as (h, e, r, i):
        word = f"zc{user_id('w').split('-')[1]}cert"  # unique to this test's archive
        public = await new_room(h)
        private = await new_room(h, visibility="invite-only")
        for room in (public, private):
            await h.set_role(room, erin, "expert")
        await h.set_role(private, insider, "participant")
        a, sid = await answered_live(
            h,
            e,
            public,
            f"How do we rotate the {word} staging certificates?",
            f"Use the rotate job; the {word} keys live in vault.",
            ["ops"],
        )
        await answered_live(
            h, e, private, f"Rotate {word} production certificates?", "Ask the security team.", []
        )
        gone, _ = await answered_live(
            h, e, public, f"Rotating {word} certificates by hand?", "Do not.", []
        )
        text = f"how to rotate {word} certificates"
        seen = (await r.call("qa:suggest", {"text": text}))["suggestions"]
        assert {s["room_id"] for s in seen} == {public}
        mine = next(s for s in seen if s["question_id"] == a["question_id"])
        assert mine["answer"]["id"] == a["id"] and mine["answer"]["accepted"] is True
        assert word in mine["answer"]["snippet"]
        assert mine["link"]["session_id"] == sid and mine["link"]["seq"] > 0
        assert {
            s["room_id"] for s in (await i.call("qa:suggest", {"text": text}))["suggestions"]
        } == {
            public,
            private,
        }
        # A dismissed question never appears again.
        await h.dismiss(gone["question_id"])
        seen = (await r.call("qa:suggest", {"text": text}))["suggestions"]
        assert gone["question_id"] not in {s["question_id"] for s in seen}
        # Too little typed: nothing, not an error. A private room asked by name: refused.
        assert (await r.call("qa:suggest", {"text": "?!"}))["suggestions"] == []
        await refused("not_member", r, "qa:suggest", {"text": text, "room_id": private})
        # "This answered it": once per person, and it counts toward the expert's recognition.
        first = await r.call("qa:helped", {"answer_id": a["id"]})
        again = await r.call("qa:helped", {"answer_id": a["id"]})
        assert (first["helped"], first["added"], again["helped"], again["added"]) == (
            1,
            True,
            1,
            False,
        )
        await refused("not_found", r, "qa:helped", {"answer_id": gone["id"]})
        profile = await r.expert_profile(erin)
        assert profile["helped"] == 1
        board = await r.leaderboard(room=public)
        assert next(x for x in board if x["user_id"] == erin)["helped"] == 1
        rest = await r.request("GET", "/api/v1/suggestions", q=text, room=public)
        assert [s["question_id"] for s in rest["suggestions"]][:1] == [a["question_id"]]


async def test_merge_proposals_reach_hosts_and_experts(server: ServerProcess) -> None:
    host, erin, bob = user_id("host"), user_id("erin"), user_id("bob")
    async with connected(server, host, erin, bob) as (h, e, b):
        word = f"qz{user_id('w').split('-')[1]}pwd"
        room = await new_room(h)
        await h.set_role(room, erin, "expert")
        first = await b.ask(room, f"How do I reset the {word} password?")
        second = await b.ask(room, f"Resetting my {word} password: how?")
        proposal = await h.wait_for(
            "qa:duplicate", lambda p: p["question"]["id"] == second["id"], include_past=True
        )
        assert [c["question_id"] for c in proposal["candidates"]] == [first["id"]]
        await e.wait_for(
            "qa:duplicate", lambda p: p["question"]["id"] == second["id"], include_past=True
        )
        assert not b.events.get("qa:duplicate")
        assert (await h.qa("merge", question_id=second["id"], into=first["id"]))[
            "status"
        ] == "merged"


async def kb(c: SalonClient, **scope: Any) -> dict[str, Any]:
    return await c.call("kb:page", scope)


async def test_kb_pages_follow_accepts_pins_and_votes(server: ServerProcess) -> None:
    host, erin, v1, v2 = user_id("host"), user_id("erin"), user_id("v"), user_id("v")
    async with connected(server, host, erin, v1, v2) as (h, e, x, y):
        room = await new_room(h)
        await h.set_role(room, erin, "expert")
        tag = f"kb-{room[:6]}"
        session = await h.schedule_session(room, "Ops", tags=[tag])
        await h.start_session(session["id"])
        plain, voted, accepted = [await h.ask(room, f"Question {n}?") for n in "abc"]
        answers = {}
        for q in (plain, voted, accepted):
            got = await e.answer(q["id"], f"Answer to {q['body']}")
            answers[q["id"]] = got["answers"][0]["id"]
            await e.qa("mark_answered", question_id=q["id"])
        await x.vote(voted["id"])
        await y.vote(voted["id"])
        await h.accept(accepted["id"], answers[accepted["id"]])
        await h.end_session(session["id"])

        page = await kb(x, room_id=room)
        assert [i["question_id"] for i in page["items"]] == [
            accepted["id"],
            voted["id"],
            plain["id"],
        ]
        top = page["items"][0]
        assert top["answer"]["accepted"] and top["expert"]["user_id"] == erin
        assert top["replay"]["session_id"] == session["id"] and top["replay"]["seq"] > 0
        assert [i["question_id"] for i in (await kb(x, tag=tag))["items"]] == [
            accepted["id"],
            voted["id"],
            plain["id"],
        ]
        # Paging.
        second = await kb(x, room_id=room, offset=1, limit=1)
        assert second["total"] == 3 and [i["question_id"] for i in second["items"]] == [voted["id"]]
        # A pin makes an answer canonical: it joins the settled ones, ahead by its votes.
        await refused(
            "forbidden",
            x,
            "kb:canonical",
            {"question_id": voted["id"], "answer_id": answers[voted["id"]]},
        )
        pinned = await e.call(
            "kb:canonical", {"question_id": voted["id"], "answer_id": answers[voted["id"]]}
        )
        assert pinned["item"]["answer"]["canonical"] is True
        order = [i["question_id"] for i in (await kb(x, room_id=room))["items"]]
        assert order == [voted["id"], accepted["id"], plain["id"]]
        # Votes move the page too: the unpinned, unaccepted one stays last whatever it gets.
        await x.vote(plain["id"])
        await y.vote(accepted["id"])
        order = [i["question_id"] for i in (await kb(x, room_id=room))["items"]]
        assert order == [voted["id"], accepted["id"], plain["id"]]
        await y.vote(voted["id"], on=False)
        await x.vote(voted["id"], on=False)
        order = [i["question_id"] for i in (await kb(x, room_id=room))["items"]]
        assert order == [accepted["id"], voted["id"], plain["id"]]
        # Summaries: edits kept and attributed; participants may not edit.
        await e.call("kb:summary", {"question_id": plain["id"], "body": "First take"})
        item = (await h.call("kb:summary", {"question_id": plain["id"], "body": "Better"}))["item"]
        assert item["summary"]["body"] == "Better" and item["summary"]["author"]["user_id"] == host
        history = (await x.call("kb:history", {"question_id": plain["id"]}))["history"]
        assert [(s["body"], s["author"]["user_id"]) for s in history] == [
            ("Better", host),
            ("First take", erin),
        ]
        await refused("forbidden", x, "kb:summary", {"question_id": plain["id"], "body": "mine"})
        # A dismissed question leaves the page.
        await h.dismiss(plain["id"])
        assert plain["id"] not in [i["question_id"] for i in (await kb(x, room_id=room))["items"]]
        # Markdown export for a wiki.
        with server.http(v1) as http:
            md = http.get(f"/api/v1/kb/rooms/{room}/export.md")
        assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
        assert "## Question c?" in md.text and "Answer to Question c?" in md.text
        assert f"/replay/{session['id']}?seq=" in md.text and "Question a?" not in md.text
