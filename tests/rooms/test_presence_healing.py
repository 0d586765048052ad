"""Presence on two nodes of one in-process bus: epochs, revision gaps, a join that finishes
after its socket closed. (The process-level faults are in tests/scale/test_faults.py.)"""

from __future__ import annotations

from typing import Any

from salon.bus import MemoryBus
from salon.core.metrics import Metrics
from salon.rooms.presence import PresenceService


class Shared(MemoryBus):
    """Two nodes' buses joined in one process; ``cut`` drops messages (a bus outage)."""

    def __init__(self, node_id: str, peers: list[Shared]) -> None:
        super().__init__(node_id)
        self.peers = peers
        self.cut = False
        peers.append(self)

    @property
    def shared(self) -> bool:
        return True

    async def publish(self, channel: str, message: bytes) -> None:
        if self.cut:
            return
        for bus in list(self.peers):
            await bus.dispatch(channel, message)


class Events:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str, dict[str, Any]]] = []

    async def room_event(self, room_id: str, event: str, payload: dict[str, Any]) -> None:
        self.seen.append((room_id, event, payload))

    async def user_event(self, user_id: str, event: str, payload: dict[str, Any]) -> None:
        return None


async def node(name: str, peers: list[Shared]) -> tuple[PresenceService, Events, Shared]:
    bus, events = Shared(name, peers), Events()
    service = PresenceService(events, bus, 30.0, Metrics())
    await service.start()
    return service, events, bus


def users(service: PresenceService, room: str) -> set[str]:
    return {p["user_id"] for p in service.list(room)}


async def test_a_join_finishing_after_its_socket_closed_lists_nobody() -> None:
    a, _, _ = await node("a", [])
    a.disconnected("sid-1")
    await a.join("r", "sid-1", "u1", "U", "participant", False)
    assert users(a, "r") == set()
    await a.stop()


async def test_a_restart_under_the_same_id_drops_the_old_life_at_once() -> None:
    peers: list[Shared] = []
    a, _, bus_a = await node("a", peers)
    b, events_b, _ = await node("b", peers)
    await b.join("r", "sid-b", "bob", "Bob", "participant", False)
    await a.join("r", "sid-a", "ann", "Ann", "participant", False)
    assert users(b, "r") == {"ann", "bob"}
    await a.stop()
    peers.remove(bus_a)  # killed: no goodbye
    again, _, _ = await node("a", peers)  # same id, fresh epoch, nobody on it yet
    assert users(b, "r") == {"bob"}
    assert ("r", "presence:left", {"user_id": "ann"}) in events_b.seen
    assert users(again, "r") == {"bob"}
    for service in (again, b):
        await service.stop()


async def test_a_missed_change_is_repaired_from_the_next_heartbeat() -> None:
    peers: list[Shared] = []
    a, _, bus_a = await node("a", peers)
    b, events_b, _ = await node("b", peers)
    await b.join("r", "sid-b", "bob", "Bob", "participant", False)
    bus_a.cut = True
    await a.join("r", "sid-a", "ann", "Ann", "participant", False)  # b never hears it
    bus_a.cut = False
    assert users(b, "r") == {"bob"}
    heartbeat = {"type": "heartbeat", "ts": 0.0}
    await a._publish(heartbeat)  # the revision it carries is ahead of what b applied
    assert users(b, "r") == {"ann", "bob"}
    joined = [p["user_id"] for room, event, p in events_b.seen if event == "presence:joined"]
    assert joined == ["bob", "ann"]  # bob's own join, then the repair's
    for service in (a, b):
        await service.stop()
