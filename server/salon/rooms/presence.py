"""Who is in which room right now, as one list across every node.

Each node owns the people whose sockets it holds ("local") and tells the others over the bus;
it keeps the others' reports ("remote") to answer for the whole room. Several sockets of one
user count as one person; a dropped user lingers for a grace period so a quick reconnect (to
any node) causes no leave/join flicker; a node that stops sending heartbeats is presumed dead
and its people leave after the same grace.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import orjson

from salon.bus import Bus, BusUnavailable
from salon.core.errors import SalonError, is_outage
from salon.core.metrics import Metrics
from salon.core.notifier import Notifier
from salon.rooms.hands import RaisedHands
from salon.store.models import utcnow

log = logging.getLogger("salon.presence")
CHANNEL = "presence"
Entry = dict[str, Any]


GONE_KEPT = 10_000  # disconnected sids remembered, against a join that finishes after them


@dataclass(slots=True)
class _Peer:
    """What this node knows of another: its process epoch, the last change revision applied
    in order, and when it was last heard."""

    epoch: str
    rev: int = -1  # unknown until its snapshot arrives
    seen: float = 0.0
    wanted_at: float = float("-inf")


@dataclass(slots=True)
class Presence:
    user_id: str
    name: str
    role: str
    since: str
    is_guest: bool = False
    hand_raised: bool = False
    changed: float = field(default_factory=time.time)
    sockets: set[str] = field(default_factory=set)
    leaving: asyncio.TimerHandle | None = None

    def to_dict(self) -> Entry:
        return {
            "user_id": self.user_id,
            "name": self.name,
            "role": self.role,
            "since": self.since,
            "guest": self.is_guest,
            "hand_raised": self.hand_raised,
        }


class PresenceService:
    def __init__(
        self,
        notifier: Notifier,
        bus: Bus,
        grace: float,
        metrics: Metrics,
        replaces: str | None = None,
        hands: RaisedHands | None = None,
    ) -> None:
        self._metrics = metrics
        self._hands = hands  # raised hands in the archive (None: memory only)
        # The dead node that last ran on this data directory (salon.core.identity): peers
        # drop what it announced when they hear from us, instead of after its grace.
        self._replaces = replaces if replaces != bus.node_id else None
        self._notifier = notifier
        self._bus = bus
        self._node = bus.node_id
        self._grace = grace
        self._heartbeat = max(1.0, min(5.0, grace / 3 if grace > 0 else 5.0))
        self._local: dict[str, dict[str, Presence]] = {}
        # node id -> room id -> user id -> (entry, changed)
        self._remote: dict[str, dict[str, dict[str, tuple[Entry, float]]]] = {}
        self._peers: dict[str, _Peer] = {}
        # A fresh epoch per process: peers tell a restart under the same node id from a pause.
        self._epoch = secrets.token_hex(4)
        self._rev = 0  # bumped by every change this node announces; peers spot gaps by it
        self._echo_at = time.monotonic()
        self._gone: dict[str, None] = {}  # sids that disconnected (bounded, oldest first)
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop_task: asyncio.Task[None] | None = None

    # -- queries ---------------------------------------------------------------------------

    def list(self, room_id: str) -> list[Entry]:
        merged: dict[str, tuple[Entry, float]] = {}
        for rooms in self._remote.values():
            for user_id, (entry, changed) in rooms.get(room_id, {}).items():
                self._keep_newest(merged, user_id, entry, changed)
        for person in self._local.get(room_id, {}).values():
            self._keep_newest(merged, person.user_id, person.to_dict(), person.changed)
        people = [entry for entry, _ in merged.values()]
        return sorted(people, key=lambda p: (p["since"], p["user_id"]))

    @staticmethod
    def _keep_newest(
        merged: dict[str, tuple[Entry, float]], user_id: str, entry: Entry, changed: float
    ) -> None:
        known = merged.get(user_id)
        if known is None:
            merged[user_id] = (entry, changed)
            return
        since = min(known[0]["since"], entry["since"])
        winner = (entry, changed) if changed >= known[1] else known
        merged[user_id] = ({**winner[0], "since": since}, winner[1])

    def role_here(self, room_id: str, user_id: str) -> str | None:
        """The role this node shows for someone whose sockets it holds (None: not here)."""
        person = self._local.get(room_id, {}).get(user_id)
        return person.role if person is not None else None

    def count(self, room_id: str) -> int:
        return len(self.list(room_id))

    def _present_elsewhere(self, room_id: str, user_id: str) -> bool:
        return any(user_id in rooms.get(room_id, {}) for rooms in self._remote.values())

    def rooms_of_this_node(self) -> int:
        return len(self._local)

    def local_rooms(self) -> tuple[str, ...]:
        """Rooms someone is in through this node's sockets."""
        return tuple(self._local)

    # -- local changes ---------------------------------------------------------------------

    async def join(
        self, room_id: str, sid: str, user_id: str, name: str, role: str, is_guest: bool
    ) -> None:
        if sid in self._gone:
            return  # the socket closed while its join was still running: nobody to list
        raised = False
        if self._hands is not None and user_id not in self._local.get(room_id, {}):
            raised = await self._hands.is_raised(room_id, user_id)  # across a restart
            if sid in self._gone:
                return
        people = self._local.setdefault(room_id, {})
        person = people.get(user_id)
        if person is None:
            person = Presence(user_id, name, role, utcnow().isoformat(), is_guest, raised)
            person.sockets.add(sid)
            known = self._present_elsewhere(room_id, user_id)
            people[user_id] = person
            await self._announce(room_id, person)
            if not known:
                await self._notifier.room_event(room_id, "presence:joined", person.to_dict())
            return
        person.sockets.add(sid)
        if person.leaving is not None:
            person.leaving.cancel()
            person.leaving = None
        if (person.name, person.role) != (name, role):
            await self._change(room_id, person, name=name, role=role)

    def disconnected(self, sid: str) -> None:
        """A socket closed: a join of it still in flight must not list it afterwards."""
        self._gone[sid] = None
        if len(self._gone) > GONE_KEPT:
            del self._gone[next(iter(self._gone))]

    async def leave(self, room_id: str, sid: str, user_id: str, *, dropped: bool) -> None:
        """A socket left; the person leaves with their last socket (after the grace if dropped)."""
        person = self._local.get(room_id, {}).get(user_id)
        if person is None:
            return
        person.sockets.discard(sid)
        if person.sockets:
            return
        if dropped and self._grace > 0:
            loop = asyncio.get_running_loop()
            person.leaving = loop.call_later(self._grace, self._expire, room_id, user_id)
            return
        if not dropped:
            await self._lower_kept_hand(room_id, person)
        await self._remove_local(room_id, user_id)

    async def remove_user(self, room_id: str, user_id: str) -> None:
        person = self._local.get(room_id, {}).get(user_id)
        if person is not None:
            await self._lower_kept_hand(room_id, person)
        await self._remove_local(room_id, user_id)

    async def _lower_kept_hand(self, room_id: str, person: Presence) -> None:
        """Leaving on purpose (or being removed) lowers the hand for good."""
        if self._hands is None or not person.hand_raised:
            return
        try:
            await self._hands.set(room_id, person.user_id, False)
        except SalonError as error:
            if not is_outage(error):
                raise  # an outage: the row expires (salon.rooms.hands.RESTORE_WITHIN)

    async def update(self, room_id: str, user_id: str, **changes: Any) -> Entry | None:
        person = self._local.get(room_id, {}).get(user_id)
        if person is None:
            return None
        hand = changes.get("hand_raised")
        if self._hands is not None and hand is not None and hand != person.hand_raised:
            await self._hands.set(room_id, user_id, bool(hand))  # kept before it is shown
        await self._change(room_id, person, **changes)
        return person.to_dict()

    async def _change(self, room_id: str, person: Presence, **changes: Any) -> None:
        if all(getattr(person, name) == value for name, value in changes.items()):
            return
        for name, value in changes.items():
            setattr(person, name, value)
        person.changed = time.time()
        await self._announce(room_id, person)
        await self._notifier.room_event(room_id, "presence:updated", person.to_dict())

    def _expire(self, room_id: str, user_id: str) -> None:
        person = self._local.get(room_id, {}).get(user_id)
        if person is not None and not person.sockets:
            self._spawn(self._remove_local(room_id, user_id))

    async def _remove_local(self, room_id: str, user_id: str) -> None:
        people = self._local.get(room_id)
        if not people or user_id not in people:
            return
        person = people.pop(user_id)
        if person.leaving is not None:
            person.leaving.cancel()
        if not people:
            del self._local[room_id]
        self._rev += 1
        await self._publish({"type": "remove", "room": room_id, "user": user_id})
        if not self._present_elsewhere(room_id, user_id):
            await self._broadcast_left(room_id, user_id)

    async def _broadcast_left(self, room_id: str, user_id: str) -> None:
        try:
            await self._notifier.room_event(room_id, "presence:left", {"user_id": user_id})
        except Exception:
            log.exception("presence:left broadcast failed")

    # -- the other nodes -------------------------------------------------------------------

    async def start(self) -> None:
        self._bus.subscribe(CHANNEL, self._on_message)
        self._bus.on_reconnect(self._resync)
        await self._publish({"type": "hello"})
        self._loop_task = asyncio.create_task(self._heartbeats(), name="presence-heartbeat")

    async def stop(self) -> None:
        for people in self._local.values():
            for person in people.values():
                if person.leaving is not None:
                    person.leaving.cancel()
        tasks = [*self._tasks, *([self._loop_task] if self._loop_task else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _announce(self, room_id: str, person: Presence) -> None:
        self._rev += 1
        await self._publish(
            {
                "type": "upsert",
                "room": room_id,
                "entry": person.to_dict(),
                "changed": person.changed,
            }
        )

    async def _publish(self, message: dict[str, Any]) -> None:
        message.update(node=self._node, epoch=self._epoch, rev=self._rev)
        if self._replaces is not None:
            message["replaces"] = self._replaces
        try:
            await self._bus.publish(CHANNEL, orjson.dumps(message))
        except BusUnavailable:
            pass  # the bus warned once; peers see the revision gap and ask for a snapshot
        except Exception:
            log.warning("presence: bus publish failed", exc_info=True)

    async def _on_message(self, raw: bytes) -> None:
        message = orjson.loads(raw)
        node, kind = message.get("node"), message["type"]
        if node == self._node:
            self._echo_at = time.monotonic()  # the bus carries our own words: it works
            return
        if kind == "want":
            if message.get("to") == self._node:
                await self._send_snapshot()
            return
        peer = await self._peer(node, str(message.get("epoch", "")))
        replaced = message.get("replaces")
        if isinstance(replaced, str) and replaced != self._node:
            await self._forget_replaced(replaced)
        rev = int(message.get("rev", 0))
        if kind == "heartbeat":
            self._metrics.bus_lag.set(max(0.0, time.time() - float(message["ts"])))
        if kind in ("upsert", "remove"):
            self._apply_change(node, message)
            in_order = rev == peer.rev + 1
            peer.rev = rev if in_order else peer.rev
            if not in_order:
                await self._want(node, peer)
        elif kind == "snapshot":
            rooms = {
                room: {e["user_id"]: (e, c) for e, c in people}
                for room, people in message["rooms"].items()
            }
            await self._replace(node, rooms)
            peer.rev = rev
        elif rev != peer.rev:  # a heartbeat or hello after changes we never heard
            await self._want(node, peer)
        if kind == "hello":
            await self._send_snapshot()

    async def _peer(self, node: str, epoch: str) -> _Peer:
        """The peer's record; a new epoch is a restarted process (same id or not): whatever
        its previous life announced is gone."""
        peer = self._peers.get(node)
        if peer is not None and peer.epoch != epoch:
            log.info("node %s restarted (epoch %s); forgetting its old presence", node, epoch)
            await self._replace(node, {})
            peer = None
        if peer is None:
            peer = self._peers[node] = _Peer(epoch)
        peer.seen = time.monotonic()
        return peer

    async def _forget_replaced(self, node: str) -> None:
        """``node`` died and a new node took over its data directory: what it announced is
        gone (its users who reconnected elsewhere are listed by their new node)."""
        if node not in self._peers and node not in self._remote:
            return
        log.info("node %s was replaced; forgetting its presence", node)
        self._peers.pop(node, None)
        await self._replace(node, {})
        self._remote.pop(node, None)

    def _apply_change(self, node: str, message: dict[str, Any]) -> None:
        rooms = self._remote.setdefault(node, {})
        if message["type"] == "upsert":
            entry = message["entry"]
            rooms.setdefault(message["room"], {})[entry["user_id"]] = (entry, message["changed"])
        else:
            rooms.get(message["room"], {}).pop(message["user"], None)

    async def _want(self, node: str, peer: _Peer) -> None:
        # At most one request per heartbeat: a burst of reordered changes needs one snapshot.
        now = time.monotonic()
        if now - peer.wanted_at >= self._heartbeat:
            peer.wanted_at = now
            await self._publish({"type": "want", "to": node})

    async def _replace(self, node: str, rooms: dict[str, dict[str, tuple[Entry, float]]]) -> None:
        """Take ``rooms`` as all that ``node`` holds, and tell this node's rooms whoever that
        brings or takes away: these are the changes whose own events this node missed.
        (Presence events are idempotent: clients may see such a join or leave twice.)"""
        old = self._remote.get(node, {})
        touched = [room for room in {*old, *rooms} if room in self._local]
        before = {room: self._visible(room) for room in touched}
        self._remote[node] = rooms
        for room in touched:
            after = self._visible(room)
            for user_id, entry in after.items():
                if user_id not in before[room]:
                    await self._notifier.room_event(room, "presence:joined", entry)
            for user_id in before[room].keys() - after.keys():
                await self._broadcast_left(room, user_id)

    def _visible(self, room_id: str) -> dict[str, Entry]:
        return {entry["user_id"]: entry for entry in self.list(room_id)}

    async def _resync(self) -> None:
        await self._publish({"type": "hello"})
        await self._send_snapshot()

    async def _send_snapshot(self) -> None:
        rooms = {
            room: [(p.to_dict(), p.changed) for p in people.values()]
            for room, people in self._local.items()
        }
        await self._publish({"type": "snapshot", "rooms": rooms})

    async def _heartbeats(self) -> None:
        while True:
            try:
                await asyncio.sleep(self._heartbeat)
                await self._publish({"type": "heartbeat", "ts": time.time()})
                await self._forget_dead_nodes()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("presence heartbeat failed")

    async def _forget_dead_nodes(self) -> None:
        deadline = time.monotonic() - (self._grace + 3 * self._heartbeat)
        if self._bus.shared and self._echo_at < deadline:
            # We do not even hear ourselves: the bus is down, not the others. Their people
            # stay listed (no false leaves); the snapshots after the outage correct the rest.
            return
        dead = [node for node, peer in self._peers.items() if peer.seen < deadline]
        for node in dead:
            del self._peers[node]
            log.warning("node %s stopped answering; its people leave presence", node)
            await self._replace(node, {})  # each node tells the rooms it serves
            self._remote.pop(node, None)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
