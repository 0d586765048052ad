"""Room chat: idempotent sends, per-room sequence numbers, edits, tombstoned deletes, reactions.

Every change commits in one unit of work with what the archive derives from it (the live
session's timeline event, redactions, the search entry), and is broadcast only after that
commit: an acknowledged message is durable with all of it, a failed one left nothing behind.
New messages share their unit with the others that arrived meanwhile (chat.commit, a group
commit); edits, deletes and reactions commit one by one."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salon.chat import repository as repo
from salon.chat.commit import ChatCommitter
from salon.chat.crashpoint import CrashPoint
from salon.core.admission import BucketStore, RateLimiter
from salon.core.auth import Identity
from salon.core.config import Settings
from salon.core.errors import SalonError, forbidden, not_found
from salon.core.notifier import Notifier
from salon.core.recording import Recording
from salon.network.inbox import InboxService
from salon.network.mentions import mentioned, room_people
from salon.rooms.service import RoomService, at_least
from salon.store.db import Database
from salon.store.models import ChatMessage, ChatReaction, Notification, utcnow
from salon.store.users import names_of


def message_dict(
    m: ChatMessage, name: str, reactions: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    deleted = m.deleted_at is not None
    return {
        "id": m.id,
        "room_id": m.room_id,
        "seq": m.seq,
        "session_id": m.session_id,
        "client_id": m.client_id,
        "user_id": m.user_id,
        "name": name,
        "body": "" if deleted else m.body,
        "created_at": m.created_at.isoformat(),
        "edited_at": m.edited_at.isoformat() if m.edited_at else None,
        "deleted": deleted,
        "reactions": {} if deleted else (reactions or {}),
    }


class ChatService:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        rooms: RoomService,
        notifier: Notifier,
        recording: Recording,
        crash_point: CrashPoint,
        inbox: InboxService,
        buckets: BucketStore | None = None,
    ) -> None:
        self._inbox = inbox
        self._settings = settings
        self._db = db
        self._rooms = rooms
        self._notifier = notifier
        self._recording = recording
        self._crash = crash_point
        self._committer = ChatCommitter(
            db,
            recording,
            crash_point,
            settings.chat_commit_window,
            settings.chat_commit_batch,
            mentions=self._mentions,
        )
        # Per person and room, on all nodes together when they share a bucket store.
        self._limiter = RateLimiter(
            settings.chat_rate, settings.chat_burst, "chat messages", store=buckets
        )
        self._reaction_limiter = RateLimiter(
            settings.chat_rate * 2, settings.chat_burst * 2, "reactions", store=buckets
        )

    async def start(self) -> None:
        await self._committer.start()

    async def stop(self) -> None:
        await self._committer.stop()

    def _check_body(self, body: str) -> str:
        body = unicodedata.normalize("NFC", body).strip()
        if not body:
            raise SalonError("bad_request", "the message is empty")
        if len(body) > self._settings.chat_max_length:
            raise SalonError(
                "too_large", f"messages are at most {self._settings.chat_max_length} characters"
            )
        return body

    async def _writable(self, room_id: str, who: Identity, needed: str, action: str) -> str:
        role = await self._rooms.require(room_id, who, needed, action)
        if await self._rooms.is_archived(room_id):
            raise SalonError("room_archived", "this room is archived")
        return role

    async def send(
        self, room_id: str, who: Identity, client_id: str, body: str
    ) -> tuple[dict[str, Any], bool]:
        """Store and broadcast; a retried ``client_id`` returns the stored one (True = new)."""
        body = self._check_body(body)
        await self._writable(room_id, who, "participant", "sending chat messages")
        # A retry (same client id) is found by the commit's lookup and answered with the
        # stored message; a retry is never rate limited.
        try:
            await self._limiter.spend((room_id, who.user_id))
        except SalonError:
            existing = await self._find_existing(room_id, who.user_id, client_id)
            if existing is None:
                raise
            return await self._redeliver(existing), False
        data, notes = await self._committer.submit_noted(
            room_id, who.user_id, who.name, client_id, body
        )
        if data is None:
            # A retry, or the same client id racing in from another socket: the first won.
            existing = await self._find_existing(room_id, who.user_id, client_id)
            if existing is None:
                raise SalonError("unavailable", "the message could not be stored; retry")
            return await self._redeliver(existing), False
        await self._notifier.room_event(room_id, "chat:message", data)
        await self._inbox.push(notes)
        return data, True

    async def _mentions(
        self, session: AsyncSession, message: dict[str, Any], by_name: str
    ) -> list[Notification]:
        """Inbox notes for the room's people the message @mentions (the inbox drops those who
        cannot see the room or switched mentions off), in the unit of work that commits the
        message (its group commit's)."""
        people = await room_people(session, message["room_id"])
        named = [u for u in mentioned(message["body"], people) if u != message["user_id"]]
        data = {
            "room_id": message["room_id"],
            "message_id": message["id"],
            "seq": message["seq"],
            "by": by_name,
            "by_id": message["user_id"],
            "excerpt": message["body"][:200],
        }
        return await self._inbox.add_many(session, named, "mention", data)

    async def _redeliver(self, message: dict[str, Any]) -> dict[str, Any]:
        """Broadcast a stored message again for its retry: the node that stored it may have
        died between the commit and the broadcast, and then nobody else ever saw it. Clients
        drop a ``seq`` they already hold, so a second delivery shows nothing twice."""
        await self._notifier.room_event(message["room_id"], "chat:message", message)
        return message

    async def announce_heads(self, room_ids: Iterable[str]) -> None:
        """After a bus outage: deliver each room's latest message again. Seqs have no gaps,
        so a client that missed other nodes' messages meanwhile sees the jump and fetches
        the range; one that missed nothing drops the repeat (it holds that seq)."""
        for room_id in room_ids:
            async with self._db.read() as session:
                rows = await repo.page(session, room_id, None, None, 1)
                latest = await self._render(session, rows)
            if latest:
                await self._notifier.room_event(room_id, "chat:message", latest[0])

    async def _record(
        self,
        session: AsyncSession,
        message: ChatMessage,
        kind: str,
        event: dict[str, Any],
        actor: str | None,
    ) -> None:
        """The change's timeline event and search upkeep, inside its unit of work."""
        await self._recording.record(
            session,
            message.room_id,
            message.session_id,
            kind,
            event,
            actor=actor,
            ref=f"chat:{message.id}",
        )

    async def _find_existing(
        self, room_id: str, user_id: str, client_id: str
    ) -> dict[str, Any] | None:
        async with self._db.read() as session:
            message = await repo.find_by_client_id(session, room_id, user_id, client_id)
            if message is None:
                return None
            return (await self._render(session, [message]))[0]

    async def edit(self, room_id: str, who: Identity, message_id: int, body: str) -> dict[str, Any]:
        body = self._check_body(body)
        # Viewers only read (docs/security.md): a member demoted to viewer — often a moderation
        # step — may not rewrite what the room already read; a host can delete for them.
        await self._writable(room_id, who, "participant", "editing messages")
        await self._limiter.spend((room_id, who.user_id))
        async with self._db.unit() as session:
            message = await self._live_message(session, room_id, message_id)
            if message.user_id != who.user_id:
                raise forbidden("editing someone else's message")
            if message.body != body:
                message.body, message.edited_at = body, utcnow()
            data = (await self._render(session, [message]))[0]
            await self._record(session, message, "chat.edit", data, message.user_id)
        await self._notifier.room_event(room_id, "chat:updated", data)
        return data

    async def delete(self, room_id: str, who: Identity, message_id: int) -> dict[str, Any]:
        role = await self._writable(room_id, who, "participant", "deleting messages")
        async with self._db.unit() as session:
            message = await repo.get_message(session, room_id, message_id)
            if message is None:
                raise not_found("message")
            if message.user_id != who.user_id and not at_least(role, "host"):
                raise forbidden("deleting someone else's message")
            if message.deleted_at is None:
                message.deleted_at, message.deleted_by = utcnow(), who.user_id
            data = (await self._render(session, [message]))[0]
            event = {
                "room_id": room_id,
                "id": message_id,
                "seq": message.seq,
                "deleted_by": who.user_id,
            }
            await self._record(session, message, "chat.delete", event, who.user_id)
        await self._notifier.room_event(room_id, "chat:deleted", event)
        return data

    async def react(
        self, room_id: str, who: Identity, message_id: int, emoji: str, on: bool
    ) -> dict[str, Any]:
        if any(ch.isspace() for ch in emoji) or not emoji.isprintable():
            raise SalonError("bad_request", "emoji must be one printable symbol")
        await self._writable(room_id, who, "participant", "reacting")
        await self._reaction_limiter.spend((room_id, who.user_id))
        async with self._db.unit() as session:
            message = await self._live_message(session, room_id, message_id)
            current = await repo.get_reaction(session, message_id, who.user_id, emoji)
            if on and current is None:
                session.add(ChatReaction(message_id=message_id, user_id=who.user_id, emoji=emoji))
            elif not on and current is not None:
                await session.delete(current)
            await session.flush()
            reactions = (await repo.reactions_for(session, [message_id])).get(message_id, {})
            event = {
                "room_id": room_id,
                "id": message_id,
                "seq": message.seq,
                "reactions": reactions,
            }
            await self._record(session, message, "chat.reactions", event, None)
        await self._notifier.room_event(room_id, "chat:reactions", event)
        return event

    async def history(
        self, room_id: str, who: Identity, before: int | None, after: int | None, limit: int
    ) -> dict[str, Any]:
        await self._rooms.require(room_id, who, "viewer", "reading chat")
        async with self._db.read() as session:
            rows = await repo.page(session, room_id, before, after, limit)
            messages = await self._render(session, rows)
        has_more = len(rows) == limit
        return {
            "messages": messages,
            "next_before": messages[0]["seq"] if messages and after is None and has_more else None,
            "next_after": messages[-1]["seq"]
            if messages and after is not None and has_more
            else None,
        }

    async def _live_message(
        self, session: AsyncSession, room_id: str, message_id: int
    ) -> ChatMessage:
        message = await repo.get_message(session, room_id, message_id)
        if message is None or message.deleted_at is not None:
            raise not_found("message")
        return message

    async def _render(self, session: Any, rows: Any) -> list[dict[str, Any]]:
        names = await names_of(session, {m.user_id for m in rows})
        reactions = await repo.reactions_for(session, [m.id for m in rows])
        return [message_dict(m, names.get(m.user_id, m.user_id), reactions.get(m.id)) for m in rows]
