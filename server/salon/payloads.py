"""Inbound payload shapes shared by the Socket.IO handlers and the REST endpoints.

Validation happens here, before any service runs; a failure is ``bad_request`` and changes nothing.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from salon.errors import SalonError

Id = Annotated[str, StringConstraints(min_length=1, max_length=128)]
ClientId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Emoji = Annotated[str, StringConstraints(min_length=1, max_length=32)]


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


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


class ChatSend(Payload):
    room_id: Id
    client_id: ClientId
    # Length is checked by the service against the configured limit (too_large, not bad_request).
    body: Annotated[str, StringConstraints(max_length=1_000_000)]


class ChatEdit(Payload):
    room_id: Id
    message_id: Annotated[int, Field(ge=1)]
    body: Annotated[str, StringConstraints(max_length=1_000_000)]


class ChatRef(Payload):
    room_id: Id
    message_id: Annotated[int, Field(ge=1)]


class ChatReact(Payload):
    room_id: Id
    message_id: Annotated[int, Field(ge=1)]
    emoji: Emoji
    on: bool = True


class ChatHistory(Payload):
    room_id: Id
    before: Annotated[int, Field(ge=1)] | None = None
    after: Annotated[int, Field(ge=0)] | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50


P = TypeVar("P", bound=BaseModel)


def parse(model: type[P], data: Any) -> P:
    if not isinstance(data, dict):
        raise SalonError("bad_request", "the payload must be an object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "payload"
        raise SalonError("bad_request", f"{where}: {first['msg']}") from None


def parse_query(model: type[P], params: dict[str, str]) -> P:
    """Query strings arrive as text; validate them in lax mode so '5' is a number."""
    try:
        return model.model_validate(params, strict=False)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "query"
        raise SalonError("bad_request", f"{where}: {first['msg']}") from None
