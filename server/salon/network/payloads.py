"""Inbound shapes of the network's events and endpoints, validated before any service runs."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AnyHttpUrl, Field, StringConstraints

from salon.core.payloads import Id, Payload

Kind = Literal["user", "tag", "room", "session"]
Target = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Cursor = Annotated[int, Field(ge=1)]
NoteId = Annotated[int, Field(ge=1)]


class FollowRef(Payload):
    kind: Kind
    target: Target


class NetworkOf(Payload):
    user_id: Id


class FollowingOf(Payload):
    user_id: Id
    kind: Kind | None = None


class GraphSetting(Payload):
    graph_public: bool


class FeedPage(Payload):
    before: Cursor | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 20


class InboxPage(Payload):
    before: Cursor | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 30
    unread: bool = False


class InboxSince(Payload):
    after: Annotated[int, Field(ge=0)] = 0
    limit: Annotated[int, Field(ge=1, le=500)] = 200


class InboxRead(Payload):
    ids: Annotated[list[NoteId], Field(min_length=1, max_length=500)]


class Preferences(Payload):
    preferences: Annotated[
        dict[Annotated[str, StringConstraints(max_length=40)], bool], Field(max_length=50)
    ]


class WebhookCreate(Payload):
    scope: Literal["room", "tag"]
    target: Target
    url: Annotated[AnyHttpUrl, Field()]
    events: Annotated[
        list[Annotated[str, StringConstraints(max_length=40)]], Field(max_length=10)
    ] = []


class WebhookScope(Payload):
    scope: Literal["room", "tag"]
    target: Target
