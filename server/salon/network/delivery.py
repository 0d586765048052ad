"""Sends the webhook outbox: each due delivery is claimed by one node (a conditional update,
so two nodes never send one at once), POSTed as signed JSON, and on failure retried with
exponential backoff until it has had its tries. Rows survive restarts; a claim a crashed node
left behind expires and the delivery is sent again (receivers dedupe on X-Salon-Delivery)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

import httpx
import orjson
from sqlalchemy import or_, select, update

from salon.core.config import Settings
from salon.core.loops import report_failure
from salon.network.webhooks import SIGNATURE_HEADER, signature
from salon.store.db import Database
from salon.store.models import Webhook, WebhookDelivery, utcnow

log = logging.getLogger("salon.network.delivery")

BATCH = 20
POLL_S = 1.0


class WebhookSender:
    def __init__(self, settings: Settings, db: Database) -> None:
        self._settings = settings
        self._db = db
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._client = httpx.AsyncClient(
            timeout=self._settings.webhook_timeout, follow_redirects=False
        )
        self._task = asyncio.create_task(self._run(), name="webhook-sender")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._client is not None:
            await self._client.aclose()

    async def _run(self) -> None:
        while True:
            try:
                sent = await self.round()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                report_failure(log, "sending webhooks failed; trying again", error)
                sent = 0
            if sent < BATCH:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), POLL_S)
                self._wake.clear()

    async def round(self) -> int:
        """Claim and send what is due; how many were tried."""
        claimed = await self._claim()
        if claimed:
            await asyncio.gather(*(self._send(d, h) for d, h in claimed))
        return len(claimed)

    async def _claim(self) -> list[tuple[WebhookDelivery, Webhook]]:
        now = utcnow()
        lease = now + timedelta(seconds=self._settings.webhook_timeout * 3)
        free = or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now)
        async with self._db.read() as s:
            due = list(
                await s.scalars(
                    select(WebhookDelivery.id)
                    .where(
                        WebhookDelivery.delivered_at.is_(None),
                        WebhookDelivery.failed_at.is_(None),
                        WebhookDelivery.next_at <= now,
                        free,
                    )
                    .order_by(WebhookDelivery.id)
                    .limit(BATCH)
                )
            )
        mine: list[tuple[WebhookDelivery, Webhook]] = []
        for delivery_id in due:
            async with self._db.unit() as s:
                result = await s.execute(
                    update(WebhookDelivery)
                    .where(WebhookDelivery.id == delivery_id, free)
                    .values(claimed_until=lease)
                )
                if not getattr(result, "rowcount", 0):
                    continue  # another node took it
                row = await s.get(WebhookDelivery, delivery_id)
                hook = await s.get(Webhook, row.webhook_id) if row is not None else None
            if row is not None and hook is not None:
                mine.append((row, hook))
        return mine

    async def _send(self, delivery: WebhookDelivery, hook: Webhook) -> None:
        assert self._client is not None
        body = orjson.dumps(delivery.payload)
        headers = {
            "content-type": "application/json",
            "user-agent": "Salon-Webhook/1",
            SIGNATURE_HEADER: signature(hook.secret, body),
            "X-Salon-Event": delivery.event,
            "X-Salon-Delivery": str(delivery.id),
        }
        status: int | None = None
        error: str | None = None
        try:
            response = await self._client.post(hook.url, content=body, headers=headers)
            status = response.status_code
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        await self._settle(delivery, status, error)

    async def _settle(
        self, delivery: WebhookDelivery, status: int | None, error: str | None
    ) -> None:
        now = utcnow()
        async with self._db.unit() as s:
            # Counted in SQL, not from the claimed row: on a loaded node a send can outlive its
            # lease and be claimed and tried again meanwhile; every try must count.
            attempts = (
                await s.execute(
                    update(WebhookDelivery)
                    .where(WebhookDelivery.id == delivery.id)
                    .values(attempts=WebhookDelivery.attempts + 1)
                    .returning(WebhookDelivery.attempts)
                )
            ).scalar_one()
            values: dict[str, object] = {
                "claimed_until": None,
                "last_status": status,
                "last_error": error,
            }
            if error is None:
                values["delivered_at"] = now
            elif attempts >= self._settings.webhook_attempts:
                values["failed_at"] = now
                log.warning("webhook delivery %s failed for good: %s", delivery.id, error)
            else:
                delay = self._settings.webhook_backoff * 2 ** (attempts - 1)
                values["next_at"] = now + timedelta(seconds=delay)
            await s.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery.id, WebhookDelivery.delivered_at.is_(None))
                .values(**values)
            )
