"""Rooms, memberships and roles: who may enter a room and what they may do there."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from sqlalchemy.exc import IntegrityError

from salon.bus import Bus
from salon.core.auth import Identity
from salon.core.config import Settings
from salon.core.errors import SalonError, forbidden, not_found
from salon.core.recording import Recording
from salon.rooms import repository as repo
from salon.rooms.bans import ActiveBan, BanService
from salon.store.db import Database
from salon.store.models import Membership, Room, utcnow
from salon.store.users import known_user, upsert_user

log = logging.getLogger("salon.rooms")

ROLES = ("viewer", "participant", "expert", "host")
RANK = {role: rank for rank, role in enumerate(ROLES)}
VISIBILITIES = ("public", "invite-only")
MEMBERS_CHANNEL = "members"

# Called on every node when rights in a room may have changed: for one user (a role change or
# removal) or for everyone (None: visibility, archiving). Each live channel re-checks its sockets.
RightsListener = Callable[[str, str | None], Awaitable[None]]


def at_least(role: str | None, needed: str) -> bool:
    return role is not None and RANK[role] >= RANK[needed]


def room_dict(room: Room, role: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": room.id,
        "title": room.title,
        "description": room.description,
        "tags": list(room.tags),
        "visibility": room.visibility,
        "created_by": room.created_by,
        "created_at": room.created_at.isoformat(),
        "updated_at": room.updated_at.isoformat(),
        "archived": room.archived_at is not None,
    }
    if role is not None:
        data["my_role"] = role
    return data


def member_dict(m: Membership) -> dict[str, Any]:
    return {"user_id": m.user_id, "role": m.role, "granted_at": m.granted_at.isoformat()}


class RoomService:
    """Room lifecycle and the role table, with a per-node role cache kept fresh over the bus."""

    def __init__(
        self, settings: Settings, db: Database, bus: Bus, recording: Recording, bans: BanService
    ) -> None:
        self._settings = settings
        self.bans = bans
        self._db = db
        self._bus = bus
        self._recording = recording
        self._roles: dict[tuple[str, str], str | None] = {}
        self._archived: dict[str, bool] = {}
        self._ensured: dict[str, tuple[str, float]] = {}
        self._listeners: list[RightsListener] = []

    async def start(self) -> None:
        self._bus.subscribe(MEMBERS_CHANNEL, self._on_member_message)
        self._bus.on_reconnect(self._forget_roles)
        self.bans.on_change(self._bans_changed)

    async def _bans_changed(self, room_id: str | None, user_id: str | None, _: str | None) -> None:
        # A room ban (or its lifting) is a change of rights in that room: every live channel
        # re-checks the person's sockets, as after a removal. Server bans close whole
        # connections (see the realtime layer).
        if room_id is not None and user_id is not None:
            await self._rights_changed(room_id, user_id)

    async def stop(self) -> None:
        return None

    async def _forget_roles(self) -> None:
        # Changes published while the bus was down never reached us.
        self._roles.clear()
        self._archived.clear()

    def on_rights_change(self, listener: RightsListener) -> None:
        self._listeners.append(listener)

    async def ensure_user(self, identity: Identity) -> None:
        """Record (or refresh) the person behind a connection. Skipped when this node did it
        for the same name in the last minutes: connections come in bursts."""
        key = identity.user_id
        seen = self._ensured.get(key)
        if seen is not None and seen[0] == identity.name and time.monotonic() - seen[1] < 600:
            return
        for attempt in (1, 2):
            try:
                async with self._db.unit() as session:
                    await upsert_user(session, key, identity.name, identity.is_guest)
                break
            except IntegrityError:
                # Several first connections of one person raced to insert the row; it is
                # there now, so a second try updates it.
                if attempt == 2:
                    raise
        if len(self._ensured) > 100_000:
            self._ensured.clear()
        self._ensured[key] = (identity.name, time.monotonic())

    # -- roles -----------------------------------------------------------------------------

    async def role_of(self, room_id: str, identity: Identity) -> str | None:
        """The role this person has in the room now; None if they may not enter."""
        if self.bans.room_ban(room_id, identity.user_id) is not None:
            return None
        key = (room_id, identity.user_id)
        if key in self._roles:
            return self._roles[key]
        async with self._db.read() as session:
            room = await repo.get_room(session, room_id)
            if room is None:
                raise not_found("room")
            member = await repo.get_membership(session, room_id, identity.user_id)
        role = self._effective_role(room, member, identity)
        if len(self._roles) > 100_000:  # guests get fresh ids; keep the cache bounded
            self._roles.clear()
        self._roles[key] = role
        return role

    def _effective_role(self, room: Room, member: Membership | None, who: Identity) -> str | None:
        if member is not None:
            return None if member.removed_at is not None else member.role
        if room.visibility != "public":
            return None
        return self._settings.guest_role if who.is_guest else "participant"

    async def enter(self, room_id: str, identity: Identity) -> tuple[Room, str]:
        """Check that this person may enter; the room and their role, or a clear refusal."""
        async with self._db.read() as session:
            room = await repo.get_room(session, room_id)
            if room is None:
                raise not_found("room")
            member = await repo.get_membership(session, room_id, identity.user_id)
        ban = self.bans.room_ban(room_id, identity.user_id)
        if ban is not None:
            raise ban.refusal()
        if member is not None and member.removed_at is not None:
            raise SalonError("removed", "you were removed from this room")
        role = self._effective_role(room, member, identity)
        if role is None:
            raise SalonError("not_member", "this room is invite-only")
        self._roles[(room_id, identity.user_id)] = role
        return room, role

    async def refusal(self, room_id: str, identity: Identity) -> SalonError:
        """Why someone without a role may not be in the room: removed by a host, or not a
        member of an invite-only room. Read only on the way to a refusal."""
        ban = self.bans.room_ban(room_id, identity.user_id)
        if ban is not None:
            return ban.refusal()
        async with self._db.read() as session:
            member = await repo.get_membership(session, room_id, identity.user_id)
        if member is not None and member.removed_at is not None:
            return SalonError("removed", "you were removed from this room")
        return SalonError("not_member", "you are not a member of this room")

    async def require(self, room_id: str, identity: Identity, needed: str, action: str) -> str:
        role = await self.role_of(room_id, identity)
        if role is None:
            raise await self.refusal(room_id, identity)
        if not at_least(role, needed):
            raise forbidden(action)
        return role

    # -- rooms -----------------------------------------------------------------------------

    async def create(self, identity: Identity, fields: dict[str, Any]) -> Room:
        if identity.is_guest:
            raise forbidden("guests to create rooms")
        async with self._db.unit() as session:
            await upsert_user(session, identity.user_id, identity.name, False)
            if (
                await repo.count_rooms_created(session, identity.user_id)
                >= self._settings.rooms_per_user
            ):
                raise SalonError("limit_reached", "you have created as many rooms as allowed")
            room = Room(created_by=identity.user_id, **fields)
            session.add(room)
            await session.flush()
            session.add(Membership(room_id=room.id, user_id=identity.user_id, role="host"))
        self._roles[(room.id, identity.user_id)] = "host"
        return room

    async def get(self, room_id: str, identity: Identity) -> tuple[Room, str]:
        role = await self.role_of(room_id, identity)
        async with self._db.read() as session:
            room = await repo.get_room(session, room_id)
        if room is None:
            raise not_found("room")
        if role is None:
            ban = self.bans.room_ban(room_id, identity.user_id)
            raise ban.refusal() if ban else SalonError("not_member", "this room is invite-only")
        return room, role

    async def update(self, room_id: str, identity: Identity, fields: dict[str, Any]) -> Room:
        await self.require(room_id, identity, "host", "editing the room")
        async with self._db.unit() as session:
            room = await repo.get_room(session, room_id)
            if room is None:
                raise not_found("room")
            if room.archived_at is not None:
                raise SalonError("room_archived", "archived rooms cannot be changed")
            for name, value in fields.items():
                setattr(room, name, value)
            room.updated_at = utcnow()
        # A title or a tag changes nobody's rights; a visibility change may shut people out.
        await self._publish_room_change(room_id, rights="visibility" in fields)
        return room

    async def archive(self, room_id: str, identity: Identity) -> Room:
        await self.require(room_id, identity, "host", "archiving the room")
        async with self._db.unit() as session:
            room = await repo.get_room(session, room_id)
            if room is None:
                raise not_found("room")
            if room.archived_at is None:
                room.archived_at = room.updated_at = utcnow()
        await self._publish_room_change(room_id, rights=True)
        return room

    async def search(self, identity: Identity, **filters: Any) -> tuple[list[dict[str, Any]], int]:
        async with self._db.read() as session:
            rows, total = await repo.list_rooms(session, identity.user_id, **filters)
        return [room_dict(room) for room in rows], total

    async def is_archived(self, room_id: str) -> bool:
        """Checked on every write: cached per node, dropped when any node changes the room."""
        if room_id in self._archived:
            return self._archived[room_id]
        async with self._db.read() as session:
            room = await repo.get_room(session, room_id)
        if room is None:
            raise not_found("room")
        if len(self._archived) > 100_000:
            self._archived.clear()
        self._archived[room_id] = room.archived_at is not None
        return self._archived[room_id]

    # -- members ---------------------------------------------------------------------------

    async def members(self, room_id: str, identity: Identity) -> list[dict[str, Any]]:
        await self.require(room_id, identity, "viewer", "listing members")
        async with self._db.read() as session:
            return [member_dict(m) for m in await repo.list_members(session, room_id)]

    async def set_role(
        self, room_id: str, identity: Identity, user_id: str, role: str
    ) -> Membership:
        await self.require(room_id, identity, "host", "granting roles")
        if role not in RANK:
            raise SalonError("bad_request", f"role must be one of {', '.join(ROLES)}")
        async with self._db.unit() as session:
            if await repo.get_room(session, room_id) is None:
                raise not_found("room")
            member = await repo.get_membership(session, room_id, user_id)
            if member is None:
                await known_user(session, user_id)
                member = Membership(room_id=room_id, user_id=user_id, role=role)
                session.add(member)
            await self._guard_last_host(session, room_id, member, role)
            member.role, member.removed_at = role, None
            member.granted_by, member.granted_at = identity.user_id, utcnow()
            await self._record_role(session, room_id, user_id, role, identity)
        await self._publish_member(room_id, user_id, role)
        return member

    async def remove(self, room_id: str, identity: Identity, user_id: str) -> None:
        """Revoke membership and bar re-entry; the person's sockets leave at once."""
        await self.require(room_id, identity, "host", "removing members")
        async with self._db.unit() as session:
            member = await repo.get_membership(session, room_id, user_id)
            if member is None:
                await known_user(session, user_id)
                member = Membership(room_id=room_id, user_id=user_id, role="viewer")
                session.add(member)
            await self._guard_last_host(session, room_id, member, None)
            member.removed_at, member.granted_by = utcnow(), identity.user_id
            await self._record_role(session, room_id, user_id, None, identity)
        await self._publish_member(room_id, user_id, None)

    # -- bans ------------------------------------------------------------------------------

    async def ban(
        self, room_id: str, identity: Identity, user_id: str, reason: str, duration: float | None
    ) -> ActiveBan:
        """Keep a person out of the room (until lifted or ``duration`` seconds): their sockets
        leave the room and its documents on every node at once, and they cannot come back."""
        await self.require(room_id, identity, "host", "banning members")
        if user_id == identity.user_id:
            raise SalonError("conflict", "you cannot ban yourself")
        async with self._db.read() as session:
            member = await repo.get_membership(session, room_id, user_id)
        if member is not None and member.removed_at is None and member.role == "host":
            raise SalonError("conflict", "a host cannot be banned; change their role first")
        return await self.bans.ban(
            room_id=room_id,
            user_id=user_id,
            address=None,
            reason=reason,
            duration=duration,
            by=identity.user_id,
        )

    async def unban(self, room_id: str, identity: Identity, ban_id: str) -> ActiveBan:
        await self.require(room_id, identity, "host", "lifting bans")
        return await self.bans.lift(ban_id, room_id)

    async def room_bans(self, room_id: str, identity: Identity) -> list[dict[str, Any]]:
        await self.require(room_id, identity, "host", "listing bans")
        return await self.bans.listed(room_id)

    async def _record_role(
        self, session: Any, room_id: str, user_id: str, role: str | None, by: Identity
    ) -> None:
        """On the live session's timeline, in the change's own unit: written once, by the
        node that made the change, however many nodes hear of it."""
        await self._recording.record(
            session,
            room_id,
            self._recording.live_session(room_id),
            "role.change",
            {"user_id": user_id, "role": role},
            actor=by.user_id,
        )

    async def _guard_last_host(
        self, session: Any, room_id: str, member: Membership, new_role: str | None
    ) -> None:
        if member.role != "host" or member.removed_at is not None or new_role == "host":
            return
        hosts = [m for m in await repo.list_members(session, room_id) if m.role == "host"]
        if len(hosts) <= 1:
            raise SalonError("conflict", "a room keeps at least one host")

    # -- cross-node cache upkeep -----------------------------------------------------------

    async def _publish_member(self, room_id: str, user_id: str, role: str | None) -> None:
        message = {"room_id": room_id, "user_id": user_id, "role": role}
        await self._bus.publish(MEMBERS_CHANNEL, orjson.dumps(message))

    async def _publish_room_change(self, room_id: str, rights: bool) -> None:
        message = {"room_id": room_id, "user_id": None, "rights": rights}
        await self._bus.publish(MEMBERS_CHANNEL, orjson.dumps(message))

    async def _on_member_message(self, raw: bytes) -> None:
        message = orjson.loads(raw)
        room_id, user_id = message["room_id"], message.get("user_id")
        if user_id is None:  # visibility may have changed: forget every cached role of the room
            self._roles = {k: v for k, v in self._roles.items() if k[0] != room_id}
            self._archived.pop(room_id, None)
        else:
            self._roles.pop((room_id, user_id), None)
        if not message.get("rights", True):
            return
        await self._rights_changed(room_id, user_id)

    async def _rights_changed(self, room_id: str, user_id: str | None) -> None:
        for listener in self._listeners:
            try:
                await listener(room_id, user_id)
            except Exception:
                log.exception("rights listener failed")
