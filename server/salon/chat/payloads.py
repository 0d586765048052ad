"""Inbound payload shapes of chat (Socket.IO and REST)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from salon.core.payloads import ClientId, Emoji, Id, Payload


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
