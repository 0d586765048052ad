"""Expert recognition: profiles and leaderboards per room, per tag and over a period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from salon_client import SalonClientError
from tests.support.clients import connected, new_room, user_id
from tests.support.servers import ServerProcess


async def test_leaderboard_ranks_by_score_and_filters(server: ServerProcess) -> None:
    host, ada, bo, asker = user_id("host"), user_id("ada"), user_id("bo"), user_id("asker")
    tag = user_id("tag")
    async with connected(server, host, ada, bo, asker) as (h, a, b, q):
        room = await new_room(h)
        await h.join(room)
        tags = [tag, f"Über-{tag}"]
        session = await h.schedule_session(room, "Ranked", experts=[ada, bo], tags=tags)
        await h.start_session(session["id"])
        first = await q.ask(room, "First question")
        second = await q.ask(room, "Second question")
        await h.vote(first["id"])
        await q.vote(first["id"])
        # Bo answers more; Ada's single answer is accepted on the most voted question.
        answer = await a.answer(first["id"], "Ada's answer")
        await b.answer(first["id"], "Bo's answer")
        await b.answer(second["id"], "Bo again")
        await q.accept(first["id"], answer["answers"][0]["id"])
        await h.end_session(session["id"])

        board = await q.leaderboard(room=room)
        assert [(e["user_id"], e["score"]) for e in board] == [(ada, 1 + 3 + 2), (bo, 2 + 2)]
        assert board[1]["answers"] == 2 and board[1]["questions_answered"] == 2
        assert [e["user_id"] for e in await q.leaderboard(tag=tag)] == [ada, bo]
        assert await q.leaderboard(tag=tag + "-none") == []
        assert [e["user_id"] for e in await q.leaderboard(tag=f"Über-{tag}")] == [ada, bo]
        assert [e["user_id"] for e in await q.leaderboard(tag=tag.upper())] == [ada, bo]
        later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        assert await q.leaderboard(room=room, from_=later) == []
        earlier = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
        assert len(await q.leaderboard(room=room, from_=earlier, to=later, limit=1)) == 1

        profile = await q.expert_profile(bo)
        assert (profile["answers"], profile["accepted"], profile["upvotes"]) == (2, 0, 2)
        assert profile["sessions_led"] == 1
        assert profile["tags"] == [{"tag": tag, "count": 3}, {"tag": f"Über-{tag}", "count": 3}]
        assert {r["question"] for r in profile["recent_answers"]} == {
            "First question",
            "Second question",
        }
        host_profile = await q.expert_profile(host)
        assert host_profile["sessions_led"] == 1 and host_profile["answers"] == 0

        for params in ({"limit": 0}, {"from": "soon"}, {"from": later, "to": earlier}):
            with pytest.raises(SalonClientError) as err:
                await q.request("GET", "/api/v1/experts", **params)
            assert err.value.code == "bad_request" and err.value.status == 400
