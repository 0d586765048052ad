"""Abuse limits: connections per user, connection floods per address, event floods."""

from __future__ import annotations

import asyncio

import pytest

from salon_client import SalonClient, SalonClientError
from tests.support.clients import connected, new_room, user_id
from tests.support.servers import ServerProcess


async def test_connections_per_user_are_capped(own_server: ServerProcess) -> None:
    own_server.settings.update(connections_per_user=3)
    own_server.start()
    alice = user_id("alice")
    async with connected(own_server, alice, alice, alice):
        extra = SalonClient(own_server.url, token=own_server.token(alice), reconnection=False)
        with pytest.raises(SalonClientError) as err:
            await extra.connect()
        assert err.value.code == "limit_reached"
        await extra.close()
        async with connected(own_server, user_id("bob")):  # others are unaffected
            pass


async def test_connection_flood_from_one_address_is_banned(own_server: ServerProcess) -> None:
    own_server.settings.update(connect_rate=1, connect_burst=5, ban_seconds=30)
    own_server.start()
    codes = []
    for _ in range(20):
        client = SalonClient(own_server.url, token="junk", reconnection=False)
        try:
            await client.connect()
        except SalonClientError as exc:
            codes.append(exc.code)
        await client.close()
    assert codes[:5] == ["unauthenticated"] * 5
    assert codes[-1] == "rate_limited"  # banned: even a valid token is refused now
    good = SalonClient(own_server.url, token=own_server.token("alice"), reconnection=False)
    with pytest.raises(SalonClientError) as err:
        await good.connect()
    assert err.value.code == "rate_limited"
    await good.close()


async def test_event_flood_disconnects_only_the_flooder(own_server: ServerProcess) -> None:
    own_server.settings.update(event_rate=5, event_burst=10, ban_seconds=30)
    own_server.start()
    flooder, calm = user_id("flooder"), user_id("calm")
    async with connected(own_server, flooder, calm) as (f, c):
        room = await new_room(c)
        await c.join(room)
        f.sio.reconnection = False
        replies = []
        for _ in range(40):
            try:
                replies.append(await f.sio.call("chat:history", {"room_id": room}, timeout=2))
            except Exception:
                break
        codes = [r.get("error", {}).get("code") for r in replies if not r.get("ok")]
        assert "rate_limited" in codes
        await asyncio.sleep(0.2)
        assert not f.sio.connected
        await c.send_chat(room, "unaffected")


async def test_documents_per_user_are_capped(own_server: ServerProcess) -> None:
    own_server.settings.update(documents_per_user=2)
    own_server.start()
    alice = user_id("alice")
    async with connected(own_server, alice) as (a,):
        room = await new_room(a)
        for name in ("one", "two"):
            await a.request("POST", f"/api/v1/rooms/{room}/documents", {"name": name})
        with pytest.raises(SalonClientError) as err:
            await a.request("POST", f"/api/v1/rooms/{room}/documents", {"name": "three"})
        assert err.value.code == "limit_reached" and err.value.status == 429
        await a.request("DELETE", f"/api/v1/rooms/{room}/documents/one")
        await a.request("POST", f"/api/v1/rooms/{room}/documents", {"name": "three"})
