"""Roles apply live; invite-only rooms and removals keep strangers out."""

from __future__ import annotations

import pytest

from salon_client import SalonClientError
from tests.support.clients import connected, new_room, user_id
from tests.support.servers import ServerProcess


async def expect_error(code: str, coro: object) -> None:
    with pytest.raises(SalonClientError) as err:
        await coro  # type: ignore[misc]
    assert err.value.code == code, err.value


async def test_role_changes_apply_to_connected_sockets(server: ServerProcess) -> None:
    host, bob = user_id("host"), user_id("bob")
    async with connected(server, host, bob) as (h, b):
        room = await new_room(h)
        await h.join(room)
        await b.join(room)
        await b.send_chat(room, "participants may chat")

        await h.set_role(room, bob, "viewer")
        changed = await b.wait_for("role:changed", include_past=True)
        assert changed == {"room_id": room, "role": "viewer"}
        await h.wait_for("presence:updated", lambda p: p["role"] == "viewer", include_past=True)
        await expect_error("forbidden", b.send_chat(room, "viewers may not"))
        await expect_error("forbidden", b.react(room, 1, "👍"))
        assert (await b.history(room))["messages"]  # viewers still read

        await h.set_role(room, bob, "expert")
        await b.wait_for("role:changed", lambda e: e["role"] == "expert", include_past=True)
        await b.send_chat(room, "back without reconnecting")
        members = {
            m["user_id"]: m["role"]
            for m in (await h.request("GET", f"/api/v1/rooms/{room}/members"))["members"]
        }
        assert members == {host: "host", bob: "expert"}


async def test_only_hosts_grant_roles_and_a_room_keeps_a_host(server: ServerProcess) -> None:
    host, bob = user_id("host"), user_id("bob")
    async with connected(server, host, bob) as (h, b):
        room = await new_room(h)
        await b.join(room)
        await expect_error("forbidden", b.set_role(room, bob, "host"))
        await expect_error("conflict", h.set_role(room, host, "participant"))
        await expect_error(
            "bad_request",
            h.request("PUT", f"/api/v1/rooms/{room}/members/{bob}", {"role": "owner"}),
        )


async def test_invite_only_room_refuses_strangers(server: ServerProcess) -> None:
    host, member, stranger = user_id("host"), user_id("member"), user_id("stranger")
    async with connected(server, host, member, stranger) as (h, m, s):
        room = await new_room(h, visibility="invite-only")
        await expect_error("not_member", s.join(room))
        await expect_error("not_member", s.request("GET", f"/api/v1/rooms/{room}"))
        await expect_error("not_member", s.history(room))
        listed = await s.list_rooms()
        assert room not in {r["id"] for r in listed["rooms"]}

        await h.set_role(room, member, "participant")
        await m.join(room)
        assert room in {r["id"] for r in (await m.list_rooms())["rooms"]}


async def test_removed_member_is_kicked_and_stays_out(server: ServerProcess) -> None:
    host, bob = user_id("host"), user_id("bob")
    async with connected(server, host, bob) as (h, b):
        room = await new_room(h)
        await h.join(room)
        await b.join(room)
        await h.remove_member(room, bob)
        await b.wait_for("room:removed", include_past=True)
        await h.wait_for("presence:left", lambda p: p["user_id"] == bob, include_past=True)
        await expect_error("removed", b.send_chat(room, "still here?"))  # not a bare not_joined
        await expect_error("removed", b.join(room))


async def test_hosts_edit_and_archive_rooms(server: ServerProcess) -> None:
    host, bob = user_id("host"), user_id("bob")
    async with connected(server, host, bob) as (h, b):
        room = await new_room(h, title="Old title")
        await b.join(room)
        await expect_error("forbidden", b.request("PATCH", f"/api/v1/rooms/{room}", {"title": "x"}))
        updated = await h.request(
            "PATCH", f"/api/v1/rooms/{room}", {"title": "New title", "tags": ["security"]}
        )
        assert updated["room"]["title"] == "New title"
        await h.request("POST", f"/api/v1/rooms/{room}/archive")
        await expect_error("room_archived", b.send_chat(room, "too late"))
        assert room not in {r["id"] for r in (await b.list_rooms())["rooms"]}
        archived = await b.list_rooms(include_archived=True)
        assert room in {r["id"] for r in archived["rooms"]}
