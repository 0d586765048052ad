"""Outbound webhooks: a host registers a URL for a room, an operator for a tag. Events
(session scheduled/started/ended, question answered) go into the durable outbox inside the
unit of work that caused them; ``network/delivery.py`` sends them later, so a slow receiver
never slows the live path and a restart drops nothing."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import socket
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.core.auth import Identity
from salon.core.config import Settings
from salon.core.errors import SalonError, forbidden, not_found
from salon.network.follows import normal_tag
from salon.rooms.service import RoomService
from salon.store.db import Database
from salon.store.models import Webhook, WebhookDelivery

EVENTS = ("session.scheduled", "session.started", "session.ended", "question.answered")
SIGNATURE_HEADER = "X-Salon-Signature"
MAX_PER_SCOPE = 20


def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>`` of the body under the hook's secret (as GitHub's webhooks do)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def hook_dict(h: Webhook, with_secret: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": h.id,
        "scope": h.scope,
        "target": h.target,
        "url": h.url,
        "events": list(h.events),
        "created_by": h.created_by,
        "created_at": h.created_at.isoformat(),
    }
    if with_secret:
        data["secret"] = h.secret
    return data


def _check_url(url: str, allow_private: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SalonError("bad_request", "a webhook URL is an http(s) URL with a host")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except OSError:
        raise SalonError("bad_request", "the webhook host does not resolve") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise SalonError("bad_request", "webhook URLs on private networks are not allowed")


class WebhookService:
    def __init__(self, settings: Settings, db: Database, rooms: RoomService) -> None:
        self._settings = settings
        self._db = db
        self._rooms = rooms

    async def _authorize(self, who: Identity, scope: str, target: str) -> str:
        if scope == "tag":
            if who.user_id not in self._settings.operators:
                raise forbidden("registering webhooks for tags (operators only)")
            return normal_tag(target)
        await self._rooms.require(target, who, "host", "managing the room's webhooks")
        return target

    async def register(
        self, who: Identity, scope: str, target: str, url: str, events: list[str]
    ) -> dict[str, Any]:
        target = await self._authorize(who, scope, target)
        unknown = sorted(set(events) - set(EVENTS))
        if unknown:
            raise SalonError("bad_request", f"unknown webhook events: {', '.join(unknown)}")
        _check_url(url, self._settings.webhook_allow_private)
        async with self._db.unit() as s:
            count = len(list(await s.scalars(_scoped(scope, target))))
            if count >= MAX_PER_SCOPE:
                raise SalonError("limit_reached", f"at most {MAX_PER_SCOPE} webhooks per {scope}")
            hook = Webhook(
                scope=scope,
                target=target,
                url=url,
                secret=secrets.token_urlsafe(32),
                events=list(dict.fromkeys(events or EVENTS)),
                created_by=who.user_id,
            )
            s.add(hook)
        # The secret is shown once, to whoever registered the hook.
        return hook_dict(hook, with_secret=True)

    async def listed(self, who: Identity, scope: str, target: str) -> list[dict[str, Any]]:
        target = await self._authorize(who, scope, target)
        async with self._db.read() as s:
            return [hook_dict(h) for h in await s.scalars(_scoped(scope, target))]

    async def remove(self, who: Identity, hook_id: str) -> None:
        async with self._db.read() as s:
            hook = await s.get(Webhook, hook_id)
        if hook is None:
            raise not_found("webhook")
        await self._authorize(who, hook.scope, hook.target)
        async with self._db.unit() as s:
            await s.execute(delete(WebhookDelivery).where(WebhookDelivery.webhook_id == hook_id))
            await s.execute(delete(Webhook).where(Webhook.id == hook_id))

    async def deliveries(self, who: Identity, hook_id: str, limit: int) -> list[dict[str, Any]]:
        async with self._db.read() as s:
            hook = await s.get(Webhook, hook_id)
            if hook is None:
                raise not_found("webhook")
            await self._authorize(who, hook.scope, hook.target)
            rows = await s.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.webhook_id == hook_id)
                .order_by(WebhookDelivery.id.desc())
                .limit(limit)
            )
            return [delivery_dict(d) for d in rows]


def _scoped(scope: str, target: str) -> Any:
    return select(Webhook).where(Webhook.scope == scope, Webhook.target == target)


def delivery_dict(d: WebhookDelivery) -> dict[str, Any]:
    def stamp(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": d.id,
        "event": d.event,
        "attempts": d.attempts,
        "created_at": stamp(d.created_at),
        "next_at": stamp(d.next_at),
        "delivered_at": stamp(d.delivered_at),
        "failed_at": stamp(d.failed_at),
        "last_status": d.last_status,
        "last_error": d.last_error,
    }


async def enqueue(
    s: AsyncSession, event: str, room_id: str, tags: set[str], payload: dict[str, Any]
) -> int:
    """Put the event in the outbox of every matching hook, inside the caller's unit of work.
    Tag hooks hear only public rooms' events: an operator's integration is not a member."""
    scopes = [(Webhook.scope == "room") & (Webhook.target == room_id)]
    if tags and payload.get("room", {}).get("visibility") == "public":
        scopes.append((Webhook.scope == "tag") & Webhook.target.in_(tags))
    hooks = list(await s.scalars(select(Webhook).where(Webhook.active, or_(*scopes))))
    body = {"event": event, **payload}
    wanted = [h for h in hooks if event in h.events]
    s.add_all(WebhookDelivery(webhook_id=h.id, event=event, payload=body) for h in wanted)
    return len(wanted)
