"""The session timeline under real clients: one gap-free order with server time under
concurrent activity, presence and redactions on it, and one live session per room."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from salon.sessions.timeline import state_at
from salon_client import SalonClient, SalonClientError
from tests.support.clients import connected, new_room, user_id
from tests.support.servers import ServerProcess


async def all_events(client: SalonClient, session_id: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    after: int | None = 0
    while after is not None:
        page = await client.timeline(session_id, after=after, limit=25)
        events += page["events"]
        after = page["next_after"]
    return events


def chat_at(events: list[dict[str, Any]], seq: int) -> dict[int, str]:
    """Chat as it stood at ``seq``, rebuilt from the timeline alone (what replay does)."""
    return {m["id"]: m["body"] for m in state_at(events, seq)["chat"] if not m["deleted"]}


async def test_concurrent_activity_gets_one_gap_free_order(server: ServerProcess) -> None:
    host, ann, ben = user_id("host"), user_id("ann"), user_id("ben")
    async with connected(server, host, ann, ben) as (h, a, b):
        room = await new_room(h)
        for client in (h, a, b):
            await client.join(room)
        session = await h.schedule_session(room, "Busy")
        sid = session["id"]
        await h.start_session(sid)
        q = await a.ask(room, "Busy question")
        work = [c.send_chat(room, f"{c is a}-{i}") for c in (h, a, b) for i in range(10)]
        work += [c.vote(q["id"]) for c in (h, b)]
        await asyncio.gather(*work)
        first = await a.send_chat(room, "to be edited")
        await a.edit_chat(room, first["id"], "edited once")
        seen_before_delete = await a.send_chat(room, "regret")
        await a.delete_chat(room, seen_before_delete["id"])
        await h.end_session(sid)

        events = await all_events(b, sid)
        assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
        assert [e["at"] for e in events] == sorted(e["at"] for e in events)
        chat_ids = [e["data"]["id"] for e in events if e["kind"] == "chat.message"]
        assert len(chat_ids) == len(set(chat_ids)) == 32
        assert sum(1 for e in events if e["kind"] == "qa.vote") == 2
        final = chat_at(events, events[-1]["seq"])
        history = {m["id"]: m["body"] for m in (await b.history(room, limit=200))["messages"]}
        assert final == {k: v for k, v in history.items() if v}
        assert final[first["id"]] == "edited once"
        before_edit = next(e["seq"] for e in events if e["kind"] == "chat.edit") - 1
        assert chat_at(events, before_edit)[first["id"]] == "to be edited"
        moment = state_at(events, before_edit)
        assert [q["votes"] for q in moment["questions"]] == [2]
        assert {p["user_id"] for p in moment["presence"]} == {host, ann, ben}
        # The deleted message is gone from every moment of the archive, not only the end.
        assert all(e["data"].get("body") != "regret" for e in events)
        joins = {e["actor"] for e in events if e["kind"] == "presence.join"}
        assert joins == {host, ann, ben}


async def test_joins_and_leaves_during_a_session_are_recorded(server: ServerProcess) -> None:
    host, late = user_id("host"), user_id("late")
    async with connected(server, host, late) as (h, latecomer):
        room = await new_room(h)
        await h.join(room)
        session = await h.schedule_session(room, "Comings and goings")
        await h.start_session(session["id"])
        await latecomer.join(room)
        await latecomer.leave(room)
        await h.wait_for("presence:left", lambda p: p["user_id"] == late, include_past=True)
        await h.end_session(session["id"])
        events = await all_events(h, session["id"])
        mine = [e["kind"] for e in events if e["actor"] == late]
        assert mine == ["presence.join", "presence.leave"]
        record = await h.get_session(session["id"])
        assert [p["user_id"] for p in record["participants"]] == [host, late]


async def test_one_live_session_per_room(server: ServerProcess) -> None:
    host = user_id("host")
    async with connected(server, host) as (h,):
        room = await new_room(h)
        first = await h.schedule_session(room, "First")
        second = await h.schedule_session(room, "Second")
        results = await asyncio.gather(
            h.start_session(first["id"]), h.start_session(second["id"]), return_exceptions=True
        )
        errors = [r for r in results if isinstance(r, SalonClientError)]
        assert len(errors) == 1 and errors[0].code == "conflict"
        live = next(r for r in results if isinstance(r, dict))
        await h.end_session(live["id"])
        with pytest.raises(SalonClientError) as err:
            await h.start_session(live["id"])
        assert err.value.code == "conflict"
        with pytest.raises(SalonClientError) as err:
            await h.end_session(live["id"])
        assert err.value.code == "conflict"
        other = second if live["id"] == first["id"] else first
        assert (await h.start_session(other["id"]))["status"] == "live"
        with pytest.raises(SalonClientError) as err:
            await h.get_session("no-such-session")
        assert err.value.code == "not_found"


def test_views_and_state_hide_what_a_reader_may_not_see() -> None:
    from datetime import UTC, datetime

    from salon.sessions.timeline import view
    from salon.store.models import TimelineEvent

    def event(seq: int, kind: str, data: dict[str, Any], **meta: Any) -> TimelineEvent:
        at = datetime(2026, 1, 1, tzinfo=UTC)
        return TimelineEvent(seq=seq, at=at, kind=kind, data=data, audience="all", **meta)

    anon = {"id": 1, "status": "open", "body": "Who?", "anonymous": True, "votes": 0}
    anon["asker"] = {"user_id": "zed", "name": "Zed"}
    pending = {"id": 2, "status": "pending", "body": "Later", "anonymous": False}
    pending["asker"] = {"user_id": "amy", "name": "Amy"}
    events = [
        event(1, "qa.ask", {"question": anon}, actor=None, subject="zed"),
        event(2, "qa.ask", {"question": pending}, actor="amy", subject="amy"),
        event(3, "qa.dismiss", {"question": {"id": 1, "status": "dismissed"}}, subject="zed"),
    ]
    events[1].audience = "hosts"
    reader = [v for e in events if (v := view(e, "pat", False)) is not None]
    assert [v["seq"] for v in reader] == [1, 3]
    assert reader[0]["data"]["question"]["asker"] is None
    assert state_at(reader, 1)["questions"][0]["id"] == 1
    assert state_at(reader, 3)["questions"] == []
    host = [v for e in events if (v := view(e, "hanna", True)) is not None]
    assert host[0]["data"]["question"]["asker"]["user_id"] == "zed"
    assert [q["id"] for q in state_at(host, 2)["questions"]] == [1, 2]
    asker = [v for e in events if (v := view(e, "amy", False)) is not None]
    assert [v["seq"] for v in asker] == [1, 2, 3]
