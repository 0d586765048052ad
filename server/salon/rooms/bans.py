"""Bans: a host keeps a person out of a room, an operator keeps a person or an address out of
the whole server. Every node holds the active bans in memory (they are few) and reloads them
when any node publishes a change on the bus; the listeners then put the banned sockets of
this node out at once (room bans through the rights listeners of ``RoomService``)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import delete, or_, select

from salon.bus import Bus, BusUnavailable
from salon.core.errors import SalonError, not_found
from salon.store.db import Database
from salon.store.models import Ban, utcnow

log = logging.getLogger("salon.bans")

BANS_CHANNEL = "bans"
MAX_ACTIVE = 100_000  # held in memory on every node

# Called on every node after bans changed: (room_id or None for the server, user_id, address).
BanListener = Callable[[str | None, str | None, str | None], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class ActiveBan:
    id: str
    room_id: str | None
    user_id: str | None
    address: str | None
    reason: str
    created_by: str
    created_at: datetime
    expires_at: datetime | None

    def live(self, now: datetime) -> bool:
        return self.expires_at is None or self.expires_at > now

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "room_id": self.room_id,
            "user_id": self.user_id,
            "address": self.address,
            "reason": self.reason,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
        }

    def refusal(self) -> SalonError:
        where = "this room" if self.room_id else "this server"
        details: dict[str, Any] = {"scope": "room" if self.room_id else "server"}
        if self.room_id:
            details["room_id"] = self.room_id
        if self.reason:
            details["reason"] = self.reason
        if self.expires_at is not None:
            details["until"] = self.expires_at.isoformat()
        return SalonError("banned", f"you are banned from {where}", **details)


def _active(row: Ban) -> ActiveBan:
    return ActiveBan(
        row.id,
        row.room_id,
        row.user_id,
        row.address,
        row.reason,
        row.created_by,
        row.created_at,
        row.expires_at,
    )


class BanService:
    """The ban table and this node's copy of its active rows."""

    def __init__(self, db: Database, bus: Bus) -> None:
        self._db = db
        self._bus = bus
        self._bans: dict[str, ActiveBan] = {}
        self._listeners: list[BanListener] = []

    async def start(self) -> None:
        self._bus.subscribe(BANS_CHANNEL, self._on_message)
        # Bans made while the bus was down never reached this node.
        self._bus.on_reconnect(self.reload)
        await self.reload()

    async def stop(self) -> None:
        return None

    def on_change(self, listener: BanListener) -> None:
        self._listeners.append(listener)

    async def reload(self) -> None:
        now = utcnow()
        async with self._db.read() as session:
            rows = await session.scalars(
                select(Ban)
                .where(or_(Ban.expires_at.is_(None), Ban.expires_at > now))
                .limit(MAX_ACTIVE)
            )
            self._bans = {row.id: _active(row) for row in rows}

    # -- checks (in memory, on every connect, join and request) ----------------------------

    def server_ban(self, user_id: str | None, address: str | None) -> ActiveBan | None:
        now = utcnow()
        for ban in self._bans.values():
            if ban.room_id is not None or not ban.live(now):
                continue
            if (ban.user_id is not None and ban.user_id == user_id) or (
                ban.address is not None and ban.address == address
            ):
                return ban
        return None

    def room_ban(self, room_id: str, user_id: str) -> ActiveBan | None:
        now = utcnow()
        for ban in self._bans.values():
            if ban.room_id == room_id and ban.user_id == user_id and ban.live(now):
                return ban
        return None

    def check_server(self, user_id: str | None, address: str | None) -> None:
        """Raise ``banned`` if this person or address is banned from the server."""
        ban = self.server_ban(user_id, address)
        if ban is not None:
            raise ban.refusal()

    # -- changes ---------------------------------------------------------------------------

    async def ban(
        self,
        *,
        room_id: str | None,
        user_id: str | None,
        address: str | None,
        reason: str,
        duration: float | None,
        by: str,
    ) -> ActiveBan:
        if (user_id is None) == (address is None):
            raise SalonError("bad_request", "ban either a user_id or an address")
        if room_id is not None and address is not None:
            raise SalonError("bad_request", "a room ban names a user_id")
        expires = utcnow() + timedelta(seconds=duration) if duration else None
        async with self._db.unit() as session:
            # One ban per target and scope: banning again replaces reason and expiry.
            await session.execute(
                delete(Ban).where(
                    _scope(room_id),
                    Ban.user_id.is_(None) if user_id is None else Ban.user_id == user_id,
                    Ban.address.is_(None) if address is None else Ban.address == address,
                )
            )
            row = Ban(
                room_id=room_id,
                user_id=user_id,
                address=address,
                reason=reason,
                created_by=by,
                expires_at=expires,
            )
            session.add(row)
            await session.flush()
            ban = _active(row)
        self._bans = {k: v for k, v in self._bans.items() if not _same_target(v, ban)}
        self._bans[ban.id] = ban
        await self._publish(room_id, user_id, address)
        return ban

    async def lift(self, ban_id: str, room_id: str | None) -> ActiveBan:
        """Unban; ``room_id`` is the scope the caller may act in (None: the server's)."""
        async with self._db.unit() as session:
            row = await session.get(Ban, ban_id)
            if row is None or row.room_id != room_id:
                raise not_found("ban")
            ban = _active(row)
            await session.delete(row)
        self._bans.pop(ban_id, None)
        await self._publish(ban.room_id, ban.user_id, ban.address)
        return ban

    async def listed(self, room_id: str | None) -> list[dict[str, Any]]:
        """Active bans of one room, or of the server (room_id None), newest first."""
        now = utcnow()
        async with self._db.read() as session:
            rows = await session.scalars(
                select(Ban)
                .where(_scope(room_id), or_(Ban.expires_at.is_(None), Ban.expires_at > now))
                .order_by(Ban.created_at.desc())
                .limit(1000)
            )
            return [_active(row).to_dict() for row in rows]

    async def _publish(self, room_id: str | None, user_id: str | None, address: str | None) -> None:
        message = {"room_id": room_id, "user_id": user_id, "address": address}
        try:
            await self._bus.publish(BANS_CHANNEL, orjson.dumps(message))
        except BusUnavailable:
            # Stored: other nodes reload on reconnect; this node applies it now.
            await self._notify(room_id, user_id, address)

    async def _on_message(self, raw: bytes) -> None:
        message = orjson.loads(raw)
        await self.reload()
        await self._notify(message.get("room_id"), message.get("user_id"), message.get("address"))

    async def _notify(self, room_id: str | None, user_id: str | None, address: str | None) -> None:
        for listener in self._listeners:
            try:
                await listener(room_id, user_id, address)
            except Exception:
                log.exception("ban listener failed")


def _scope(room_id: str | None) -> Any:
    return Ban.room_id.is_(None) if room_id is None else Ban.room_id == room_id


def _same_target(a: ActiveBan, b: ActiveBan) -> bool:
    return (a.room_id, a.user_id, a.address) == (b.room_id, b.user_id, b.address)
