"""/api/v1/follows, /api/v1/users/{id}/network, /api/v1/feed, /api/v1/inbox, calendars
(/api/v1/sessions/{id}/calendar.ics, /api/v1/me/calendar, /api/v1/calendar/{token}.ics) and
/api/v1/webhooks."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from salon.api.common import body, endpoint, identity, ok, path, query
from salon.core.payloads import Payload, parse
from salon.network.payloads import (
    FeedPage,
    FollowRef,
    GraphSetting,
    InboxPage,
    InboxRead,
    InboxSince,
    Kind,
    Preferences,
    WebhookCreate,
    WebhookScope,
)
from salon.services import Services

ICS = "text/calendar; charset=utf-8"


class KindQuery(Payload):
    kind: Kind | None = None


class DeliveriesQuery(Payload):
    limit: Annotated[int, Field(ge=1, le=200)] = 50


def _ref(request: Request) -> FollowRef:
    return parse(FollowRef, {"kind": path(request, "kind"), "target": path(request, "target")})


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def routes(s: Services) -> list[Route]:
    follows, inbox = s.follows, s.notifications

    @endpoint
    async def follow(request: Request) -> Response:
        who = await identity(request, s)
        p = _ref(request)
        result = await follows.follow(who, p.kind, p.target)
        return ok(201 if result["created"] else 200, **result)

    @endpoint
    async def unfollow(request: Request) -> Response:
        who = await identity(request, s)
        p = _ref(request)
        return ok(removed=await follows.unfollow(who, p.kind, p.target))

    @endpoint
    async def network(request: Request) -> Response:
        who = await identity(request, s)
        return ok(network=await follows.profile(who, path(request, "user_id")))

    @endpoint
    async def followers(request: Request) -> Response:
        who = await identity(request, s)
        return ok(followers=await follows.followers(who, path(request, "user_id")))

    @endpoint
    async def following(request: Request) -> Response:
        who = await identity(request, s)
        p = query(request, KindQuery)
        return ok(following=await follows.following(who, path(request, "user_id"), p.kind))

    @endpoint
    async def settings(request: Request) -> Response:
        who = await identity(request, s)
        p = await body(request, GraphSetting, s)
        return ok(**await follows.set_graph_public(who, p.graph_public))

    @endpoint
    async def feed(request: Request) -> Response:
        who = await identity(request, s)
        p = query(request, FeedPage)
        return ok(**await s.feed.page(who, p.before, p.limit))

    @endpoint
    async def inbox_page(request: Request) -> Response:
        who = await identity(request, s)
        p = query(request, InboxPage)
        return ok(**await inbox.page(who.user_id, p.before, p.limit, p.unread))

    @endpoint
    async def inbox_sync(request: Request) -> Response:
        who = await identity(request, s)
        p = query(request, InboxSince)
        return ok(**await inbox.since(who.user_id, p.after, p.limit))

    @endpoint
    async def inbox_counts(request: Request) -> Response:
        who = await identity(request, s)
        return ok(**await inbox.counts(who.user_id))

    @endpoint
    async def inbox_read(request: Request) -> Response:
        who = await identity(request, s)
        p = await body(request, InboxRead, s)
        return ok(marked=await inbox.mark_read(who.user_id, list(p.ids)))

    @endpoint
    async def inbox_read_all(request: Request) -> Response:
        who = await identity(request, s)
        return ok(marked=await inbox.mark_read(who.user_id, None))

    @endpoint
    async def preferences(request: Request) -> Response:
        who = await identity(request, s)
        return ok(preferences=await inbox.preferences(who.user_id))

    @endpoint
    async def set_preferences(request: Request) -> Response:
        who = await identity(request, s)
        p = await body(request, Preferences, s)
        return ok(preferences=await inbox.set_preferences(who.user_id, dict(p.preferences)))

    @endpoint
    async def session_ics(request: Request) -> Response:
        who = await identity(request, s)
        session_id = path(request, "session_id")
        ics = await s.calendar.session_ics(who, session_id, _base(request))
        disposition = f'attachment; filename="session-{session_id}.ics"'
        return Response(ics, media_type=ICS, headers={"content-disposition": disposition})

    @endpoint
    async def calendar_status(request: Request) -> Response:
        who = await identity(request, s)
        return ok(calendar=await s.calendar.status(who))

    @endpoint
    async def calendar_rotate(request: Request) -> Response:
        who = await identity(request, s)
        token = await s.calendar.rotate(who)
        url = f"{_base(request)}/api/v1/calendar/{token}.ics"
        return ok(201, calendar={"active": True, "url": url})

    @endpoint
    async def calendar_revoke(request: Request) -> Response:
        who = await identity(request, s)
        return ok(revoked=await s.calendar.revoke(who))

    @endpoint
    async def calendar_feed(request: Request) -> Response:
        # The token is the only credential: no bearer header, it grants this feed only.
        ics = await s.calendar.feed_ics(path(request, "token"), _base(request))
        return Response(ics, media_type=ICS, headers={"cache-control": "private, max-age=300"})

    @endpoint
    async def hook_create(request: Request) -> Response:
        who = await identity(request, s)
        p = await body(request, WebhookCreate, s)
        hook = await s.webhooks.register(who, p.scope, p.target, str(p.url), list(p.events))
        return ok(201, webhook=hook)

    @endpoint
    async def hook_list(request: Request) -> Response:
        who = await identity(request, s)
        p = query(request, WebhookScope)
        return ok(webhooks=await s.webhooks.listed(who, p.scope, p.target))

    @endpoint
    async def hook_delete(request: Request) -> Response:
        who = await identity(request, s)
        await s.webhooks.remove(who, path(request, "hook_id"))
        return ok()

    @endpoint
    async def hook_deliveries(request: Request) -> Response:
        who = await identity(request, s)
        p = query(request, DeliveriesQuery)
        rows = await s.webhooks.deliveries(who, path(request, "hook_id"), p.limit)
        return ok(deliveries=rows)

    user = "/api/v1/users/{user_id}"
    return [
        Route("/api/v1/follows/{kind}/{target}", follow, methods=["PUT"]),
        Route("/api/v1/follows/{kind}/{target}", unfollow, methods=["DELETE"]),
        Route(user + "/network", network, methods=["GET"]),
        Route(user + "/followers", followers, methods=["GET"]),
        Route(user + "/following", following, methods=["GET"]),
        Route("/api/v1/me/network", settings, methods=["PATCH"]),
        Route("/api/v1/feed", feed, methods=["GET"]),
        Route("/api/v1/inbox", inbox_page, methods=["GET"]),
        Route("/api/v1/inbox/sync", inbox_sync, methods=["GET"]),
        Route("/api/v1/inbox/counts", inbox_counts, methods=["GET"]),
        Route("/api/v1/inbox/read", inbox_read, methods=["POST"]),
        Route("/api/v1/inbox/read-all", inbox_read_all, methods=["POST"]),
        Route("/api/v1/inbox/preferences", preferences, methods=["GET"]),
        Route("/api/v1/inbox/preferences", set_preferences, methods=["PUT"]),
        Route("/api/v1/sessions/{session_id}/calendar.ics", session_ics, methods=["GET"]),
        Route("/api/v1/me/calendar", calendar_status, methods=["GET"]),
        Route("/api/v1/me/calendar", calendar_rotate, methods=["POST"]),
        Route("/api/v1/me/calendar", calendar_revoke, methods=["DELETE"]),
        Route("/api/v1/calendar/{token}.ics", calendar_feed, methods=["GET"]),
        Route("/api/v1/webhooks", hook_create, methods=["POST"]),
        Route("/api/v1/webhooks", hook_list, methods=["GET"]),
        Route("/api/v1/webhooks/{hook_id}", hook_delete, methods=["DELETE"]),
        Route("/api/v1/webhooks/{hook_id}/deliveries", hook_deliveries, methods=["GET"]),
    ]
