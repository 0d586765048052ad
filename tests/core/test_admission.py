"""Abuse limits: connections per user, connection floods per address, event floods."""

from __future__ import annotations

import asyncio

import pytest

from salon.core.admission import Admission
from salon.core.config import Settings
from salon.core.errors import SalonError
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


# --- the policy itself, without a server ------------------------------------------------------


def policy(**settings: float) -> Settings:
    return Settings(secret="x" * 40, ban_seconds=30, **settings)


def test_messages_over_the_rate_are_refused_then_the_socket_is_banned_and_closed() -> None:
    admission = Admission.for_events(policy(event_rate=0.001, event_burst=3))
    assert [admission.message("s1") for _ in range(3)] == [None] * 3
    refusals = [admission.message("s1") for _ in range(10)]  # ten strikes start a ban
    assert all(r is not None and not r.disconnect for r in refusals)
    assert refusals[0] is not None and refusals[0].error.code == "rate_limited"
    assert refusals[0].error.message == "too many events; slow down"
    banned = admission.message("s1")
    assert banned is not None and banned.disconnect
    assert banned.error.message == "too many events; temporarily banned"
    assert banned.error.details["banned"] is True and 0 < banned.error.details["retry_after"] <= 30
    assert admission.message("s2") is None  # per socket


def test_document_messages_have_their_own_limits_and_wording() -> None:
    admission = Admission.for_documents(policy(doc_event_rate=0.001, doc_event_burst=1))
    assert admission.message("s1") is None
    refusal = admission.message("s1")
    assert refusal is not None and refusal.error.message == "too many document messages; slow down"


def test_connection_attempts_are_counted_per_address_and_per_socket_kind() -> None:
    settings = policy(connect_rate=0.001, connect_burst=2)
    events, documents = Admission.for_events(settings), Admission.for_documents(settings)
    events.connect("10.0.0.1")
    events.connect("10.0.0.1")
    with pytest.raises(SalonError) as err:
        events.connect("10.0.0.1")
    assert err.value.code == "rate_limited"
    assert err.value.message == "too many connection attempts; slow down"
    events.connect("10.0.0.2")
    documents.connect("10.0.0.1")  # "/" and the document namespaces count separately
