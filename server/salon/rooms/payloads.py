"""Inbound payload shapes of rooms, memberships and presence (Socket.IO and REST)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from salon.core.payloads import Id, Payload, Tag, Title


class RoomCreate(Payload):
    title: Title
    description: Annotated[str, StringConstraints(max_length=5000)] = ""
    tags: Annotated[list[Tag], Field(max_length=20)] = []
    visibility: Literal["public", "invite-only"] = "public"


class RoomUpdate(Payload):
    title: Title | None = None
    description: Annotated[str, StringConstraints(max_length=5000)] | None = None
    tags: Annotated[list[Tag], Field(max_length=20)] | None = None
    visibility: Literal["public", "invite-only"] | None = None


class RoleGrant(Payload):
    role: Literal["host", "expert", "participant", "viewer"]


class RoomRef(Payload):
    room_id: Id


class Join(Payload):
    room_id: Id
    chat_after: Annotated[int, Field(ge=0)] | None = None


class PresenceChange(Payload):
    room_id: Id
    hand_raised: bool


BanReason = Annotated[str, StringConstraints(max_length=500, strip_whitespace=True)]
# At most a year; absent: until lifted.
BanDuration = Annotated[int, Field(ge=1, le=366 * 86400)]


class RoomBanCreate(Payload):
    user_id: Id
    reason: BanReason = ""
    duration_seconds: BanDuration | None = None


class ServerBanCreate(Payload):
    """An operator's ban: of one user, or of one address (IPv4 or IPv6)."""

    user_id: Id | None = None
    address: Annotated[str, StringConstraints(max_length=64)] | None = None
    reason: BanReason = ""
    duration_seconds: BanDuration | None = None
