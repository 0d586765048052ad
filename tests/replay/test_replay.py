"""Replays match what live clients saw: order, relative timing, and the state at any moment."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from typing import Any

import pytest

from salon_client import SalonClient, SalonClientError
from tests.replay.conftest import Recording, q_view


async def play(rec: Recording, who: str, speed: float) -> list[tuple[float, dict[str, Any]]]:
    """Play the whole session; (arrival seconds since the first frame, event) for each event."""
    client = SalonClient(rec.server.url, token=rec.server.token(rec.users[who]))
    await client.connect()
    got: list[tuple[float, dict[str, Any]]] = []
    done = asyncio.Event()
    client.on("replay:event", lambda e: got.append((time.monotonic(), e)))
    client.on("replay:end", lambda _: done.set())
    try:
        opened = await client.replay_open(rec.session_id, speed=speed)
        assert opened["duration_ms"] > 0
        async with asyncio.timeout(60):
            await done.wait()
    finally:
        await client.close()
    t0 = got[0][0]
    return [(t - t0, e) for t, e in got]


@pytest.mark.parametrize("speed", [1.0, 8.0])
async def test_replay_keeps_order_and_pace(recording: Recording, speed: float) -> None:
    events = await play(recording, "ann", speed)
    chats = [(t, e) for t, e in events if e["kind"] == "chat.message"]
    live = [entry for entry in recording.live if entry[1] == "chat:message"]
    assert [e["data"]["id"] for _, e in chats] == [key for _, _, key in live]
    first_offset = events[0][1]["offset"]
    for arrived, event in events:
        expected = (event["offset"] - first_offset) / 1000 / speed
        assert abs(arrived - expected) < 0.25 + 0.1 * expected, (event["kind"], arrived, expected)
    # the replayed offsets match when the live participant received those messages
    for (_, event), (live_offset, _, _) in zip(chats, live, strict=True):
        assert abs(event["offset"] - live_offset) < 250


async def test_seeking_shows_what_a_live_client_saw(recording: Recording) -> None:
    ann: SalonClient = recording.clients["ann"]
    for offset, seen in recording.seen:
        state = await ann.replay_state(recording.session_id, t=offset)
        notes = next(d for d in state["documents"] if d["name"] == "notes")
        assert notes["text"] == seen["text"], offset
        assert [(m["body"], m["deleted"]) for m in state["chat"]] == seen["chat"], offset
        assert sorted(q_view(q) for q in state["questions"]) == seen["questions"], offset


async def test_seek_over_socketio_then_continue(recording: Recording) -> None:
    ann: SalonClient = recording.clients["ann"]
    offset, seen = recording.seen[3]
    frames: list[dict[str, Any]] = []
    ann.on("replay:state", frames.append)
    opened = await ann.replay_open(recording.session_id, autoplay=False)
    replay_id = opened["replay_id"]
    assert {m["kind"] for m in opened["markers"]} >= {"question", "answer", "accepted"}
    await ann.replay_seek(replay_id, offset)
    state = await ann.wait_for("replay:state", lambda f: f["offset"] == offset, include_past=True)
    assert next(d for d in state["documents"] if d["name"] == "notes")["text"] == seen["text"]
    await ann.replay_speed(replay_id, 16)
    await ann.replay_resume(replay_id)
    await ann.wait_for("replay:end", lambda f: f["replay_id"] == replay_id, timeout=30)
    await ann.replay_close(replay_id)


async def test_redactions_hold_in_replay(recording: Recording) -> None:
    events = [e for _, e in await play(recording, "ann", 16)]
    bodies = [e["data"].get("body") for e in events if e["kind"].startswith("chat.")]
    assert "oops, wrong room" not in bodies  # deleted: scrubbed from every earlier event
    texts = repr([e["data"] for e in events])
    assert "Buy cheap watches?" not in repr(
        [e["data"] for e in events if e["actor"] != recording.users["ann"]]
    )
    anonymous = [e for e in events if (e["data"].get("question") or {}).get("id") == recording.q1]
    assert anonymous and all(e["data"]["question"]["asker"] is None for e in anonymous)
    assert recording.users["bob"] not in repr([e["data"]["question"] for e in anonymous])
    assert "off topic" not in texts or recording.users["ann"] in texts  # only the asker's view
    # the host sees who asked
    host_events = [e for _, e in await play(recording, "host", 16)]
    asked = next(
        e
        for e in host_events
        if e["kind"] == "qa.ask" and e["data"]["question"]["id"] == recording.q1
    )
    assert asked["data"]["question"]["asker"]["user_id"] == recording.users["bob"]


async def test_bad_replays_get_clear_errors(recording: Recording) -> None:
    host: SalonClient = recording.clients["host"]
    with pytest.raises(SalonClientError) as err:
        await host.replay_open("no-such-session")
    assert err.value.code == "not_found"
    live = await host.schedule_session(recording.room, "Still going")
    await host.start_session(live["id"])
    try:
        with pytest.raises(SalonClientError) as err:
            await host.replay_open(live["id"])
        assert err.value.code == "conflict"
        with pytest.raises(SalonClientError) as err:
            await host.replay_state(live["id"], t=0)
        assert err.value.code == "conflict"
    finally:
        await host.end_session(live["id"])
    with pytest.raises(SalonClientError) as err:
        await host.call("replay:open", {"session_id": recording.session_id, "speed": 100})
    assert err.value.code == "bad_request"
    stranger = SalonClient(recording.server.url, token=recording.server.token("stranger"))
    await host.request("PATCH", f"/api/v1/rooms/{recording.room}", {"visibility": "invite-only"})
    try:
        await stranger.connect()
        with pytest.raises(SalonClientError) as err:
            await stranger.replay_open(recording.session_id)
        assert err.value.code == "not_member"
    finally:
        await stranger.close()
        await host.request("PATCH", f"/api/v1/rooms/{recording.room}", {"visibility": "public"})


async def test_rest_pages_the_timeline_and_deep_links_by_seq(recording: Recording) -> None:
    ann: SalonClient = recording.clients["ann"]
    path = f"/api/v1/sessions/{recording.session_id}/replay/events"
    first = await ann.request("GET", path, limit=3)
    rest = await ann.request("GET", path, after=first["next_after"], limit=1000)
    offsets = [e["offset"] for e in first["events"] + rest["events"]]
    assert offsets == sorted(offsets) and rest["next_after"] is None
    answered = next(e for e in first["events"] + rest["events"] if e["kind"] == "qa.accept")
    state = await ann.replay_state(recording.session_id, seq=answered["seq"])
    question = next(q for q in state["questions"] if q["id"] == recording.q1)
    assert question["status"] == "answered"


def test_terminal_replay_prints_the_session(recording: Recording) -> None:
    token = recording.server.token(recording.users["ann"])
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "salon",
            "replay",
            recording.session_id,
            "--speed",
            "16",
            "--url",
            recording.server.url,
            "--token",
            token,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "hello everyone" in out.stdout and "How do we rotate the staging certs?" in out.stdout
    assert "end of session" in out.stdout
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "salon",
            "replay",
            "nope",
            "--url",
            recording.server.url,
            "--token",
            token,
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert bad.returncode != 0 and "not_found" in bad.stderr
