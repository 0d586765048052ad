"""Following people, tags, rooms and sessions over Socket.IO and REST: idempotent, counted on
profiles, refused with documented codes, and a graph that stays private by default."""

from __future__ import annotations

from salon_client import SalonClient
from tests.network.helpers import error_of, pushed
from tests.support.clients import connected, new_room, user_id
from tests.support.servers import ServerProcess


async def test_follow_is_idempotent_and_counted(server: ServerProcess) -> None:
    ann, erin = user_id("ann"), user_id("erin")
    async with connected(server, ann, erin) as (a, e):
        first = await a.follow("user", erin)
        again = await a.follow("user", erin)
        assert first["created"] and not again["created"]
        assert again["follow"]["target"] == erin
        note = await pushed(e, "follow.new", user_id=ann)
        assert note["link"]["path"] == f"/experts/{ann}"
        assert (await e.inbox())["unread"] == 1  # the second follow told nobody

        profile = await e.network_profile(erin)
        assert (profile["followers"], profile["following"]) == (1, 0)
        assert (await e.network_profile(ann))["follows_me"] is True
        assert (await a.network_profile(erin))["followed_by_me"] is True

        # REST speaks the same: PUT is idempotent, DELETE removes once.
        put = await a.request("PUT", "/api/v1/follows/tag/Certificates")
        assert put["follow"]["target"] == "certificates"  # tags are matched case-blind
        assert not (await a.request("PUT", "/api/v1/follows/tag/certificates"))["created"]
        assert (await a.network_profile(ann))["following"] == 2
        assert (await a.request("DELETE", "/api/v1/follows/tag/certificates"))["removed"]
        assert not (await a.request("DELETE", "/api/v1/follows/tag/certificates"))["removed"]
        assert await a.unfollow("user", erin)
        assert (await e.network_profile(erin))["followers"] == 0


async def test_bad_follows_are_refused_and_change_nothing(server: ServerProcess) -> None:
    ann, host, nobody = user_id("ann"), user_id("host"), user_id("nobody")
    async with connected(server, ann, host) as (a, h):
        private = await new_room(h, title="Private", visibility="invite-only")
        ended = await h.schedule_session(private, "Secret session")
        assert await error_of(a, "follow:add", {"kind": "planet", "target": "x"}) == "bad_request"
        assert await error_of(a, "follow:add", {"kind": "user"}) == "bad_request"
        assert await error_of(a, "follow:add", {"kind": "user", "target": ann}) == "bad_request"
        assert await error_of(a, "follow:add", {"kind": "user", "target": nobody}) == "not_found"
        assert await error_of(a, "follow:add", {"kind": "room", "target": private}) == "not_member"
        assert (
            await error_of(a, "follow:add", {"kind": "session", "target": ended["id"]})
            == "not_member"
        )
        assert await error_of(a, "follow:add", {"kind": "tag", "target": "x" * 41}) == "bad_request"
        assert await error_of(a, "network:profile", {"user_id": nobody}) == "not_found"
        assert (await a.network_profile(ann))["following"] == 0


async def test_who_follows_whom_is_private_unless_both_choose_public(
    server: ServerProcess,
) -> None:
    ann, bo, eve, host = user_id("ann"), user_id("bo"), user_id("eve"), user_id("host")
    async with connected(server, ann, bo, eve, host) as (a, b, e, h):
        await new_room(h)  # the host hosts a room: hosts see the graph
        await a.follow("user", bo)
        await a.follow("tag", "kubernetes")

        async def followers(client: object, of: str) -> list[str]:
            reply = await client.call("network:followers", {"user_id": of})  # type: ignore[attr-defined]
            return [f["user_id"] for f in reply["followers"]]

        async def following(client: object, of: str) -> list[str]:
            reply = await client.call("network:following", {"user_id": of})  # type: ignore[attr-defined]
            return [f["target"] for f in reply["following"]]

        assert await followers(b, bo) == [ann]  # the two people see it
        assert sorted(await following(a, ann)) == sorted([bo, "kubernetes"])
        assert await followers(h, bo) == [ann]  # and hosts
        assert await followers(e, bo) == []  # a third person does not
        assert await following(e, ann) == []
        assert (await e.network_profile(bo))["followers"] == 1  # counts are public

        await a.call("network:settings", {"graph_public": True})
        assert await followers(e, bo) == []  # Bo has not chosen to show his
        assert await following(e, ann) == ["kubernetes"]
        await b.request("PATCH", "/api/v1/me/network", {"graph_public": True})
        assert await followers(e, bo) == [ann]
        listed = await e.request("GET", f"/api/v1/users/{ann}/following", kind="user")
        assert [f["target"] for f in listed["following"]] == [bo]


async def test_guests_cannot_follow(own_server: ServerProcess) -> None:
    own_server.settings["allow_guests"] = "true"
    with own_server.running():
        guest = SalonClient(own_server.url, guest_name="Visitor")
        await guest.connect()
        try:
            refused = await error_of(guest, "follow:add", {"kind": "tag", "target": "x"})
            assert refused == "forbidden"
            assert await error_of(guest, "network:settings", {"graph_public": True}) == "forbidden"
        finally:
            await guest.close()
