"""Group commit of new chat messages: many sends, one transaction, each acknowledged after it.

A send waits in a queue; a loop takes what has gathered (at most ``max_batch``, runs at most
once per ``window_s``, and a lone message on an idle node goes at once) and writes all of it in
one unit of work: each room's seqs reserved with one statement, the messages inserted with one
multi-row INSERT, their timeline events and search entries through ``Recording.record_many``,
one COMMIT. Only then is each send's future resolved, so an acknowledgement still means the
message, its event and its entry are durable together; a batch that fails commits nothing.

What one bad message must not do is take its batch down with it. A clash on a client id (the
same message racing in from another node) or any error about the data rolls the batch back and
writes its messages one unit each, so each send gets its own answer, exactly as before batching;
only an outage (the archive unreachable) fails the whole batch at once, with ``unavailable``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from salon.chat.crashpoint import CrashPoint
from salon.core.errors import is_outage, not_found
from salon.core.loops import BatchLoop, Pace
from salon.core.recording import Change, Recording
from salon.store.db import Database
from salon.store.models import ChatMessage, Notification, Room, utcnow
from salon.store.sequences import reserve

log = logging.getLogger("salon.chat.commit")

Key = tuple[str, str, str]  # room id, user id, client id
# Inbox notes of a message's @mentions, written in the batch's unit of work: (unit, the stored
# message as ``message_dict`` renders it, the sender's name) -> notes to push after the commit.
Mentions = Callable[[AsyncSession, dict[str, Any], str], Awaitable[list[Notification]]]


@dataclass(slots=True)
class Pending:
    room_id: str
    user_id: str
    name: str
    client_id: str
    body: str
    # The stored message as ``message_dict`` renders it, or None when this client id is
    # already stored (the caller answers with that one, as a duplicate).
    done: asyncio.Future[dict[str, Any] | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    # Why it failed, kept apart from ``done``, which a sender that gives up cancels.
    error: BaseException | None = None
    # Inbox notes its @mentions wrote in the same commit, pushed by the sender once it is done.
    notes: list[Notification] = field(default_factory=list)

    @property
    def key(self) -> Key:
        return (self.room_id, self.user_id, self.client_id)


def _resolve(item: Pending, result: dict[str, Any] | None) -> None:
    if not item.done.done():  # the sender may have given up (its socket closed)
        item.done.set_result(result)


def _fail(item: Pending, error: BaseException) -> None:
    item.error = error
    if not item.done.done():
        item.done.set_exception(error)


class ChatCommitter:
    def __init__(
        self,
        db: Database,
        recording: Recording,
        crash_point: CrashPoint,
        window_s: float,
        max_batch: int,
        mentions: Mentions | None = None,
    ) -> None:
        self._db = db
        self._mentions = mentions
        self._recording = recording
        self._crash = crash_point
        self._max_batch = max_batch
        self._queue: list[Pending] = []
        self._loop = BatchLoop(
            "chat-commit",
            self._process,
            window_s,
            log=log,
            failure="a chat group commit failed",
            pace=Pace.SPACED,
        )
        self.batches = 0
        self.committed = 0

    async def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        """Commit what is queued (the loop's last run takes one batch; the rest follow)."""
        await self._loop.stop()
        while self._queue:
            await self._process()

    async def submit(
        self, room_id: str, user_id: str, name: str, client_id: str, body: str
    ) -> dict[str, Any] | None:
        """Queue a new message and wait for the commit that holds it."""
        data, _ = await self.submit_noted(room_id, user_id, name, client_id, body)
        return data

    async def submit_noted(
        self, room_id: str, user_id: str, name: str, client_id: str, body: str
    ) -> tuple[dict[str, Any] | None, list[Notification]]:
        """As ``submit``, with the inbox notes of its @mentions committed with it."""
        item = Pending(room_id, user_id, name, client_id, body)
        self._queue.append(item)
        if not self._loop.running:  # not started (or stopping): commit it alone, now
            await self._process()
        else:
            self._loop.wake()
        return await item.done, item.notes

    async def _process(self) -> None:
        if not self._queue:
            return
        batch = self._queue[: self._max_batch]
        del self._queue[: self._max_batch]
        if self._queue:
            self._loop.wake()
        # The same client id twice in one batch (a retry racing its original): the first is
        # written, the others answer as its duplicates once it is.
        first: dict[Key, Pending] = {}
        repeats: list[Pending] = []
        for item in batch:
            if item.key in first:
                repeats.append(item)
            else:
                first[item.key] = item
        writes = list(first.values())
        try:
            await self._commit(writes)
        except Exception as error:
            if is_outage(error):
                for item in batch:
                    _fail(item, error)
                return
            if not isinstance(error, IntegrityError):
                log.warning(
                    "a chat batch of %d failed (%s); writing one by one", len(writes), error
                )
            for item in writes:
                await self._commit_alone(item)
        for item in repeats:
            failure = first[item.key].error
            if failure is not None:
                _fail(item, failure)
            else:
                _resolve(item, None)

    async def _commit_alone(self, item: Pending) -> None:
        try:
            await self._commit([item])
        except IntegrityError:
            _resolve(item, None)  # stored meanwhile by another node or socket: a duplicate
        except Exception as error:
            _fail(item, error)

    async def _commit(self, items: Sequence[Pending]) -> None:
        """Write ``items`` in one unit; resolve their futures only once it has committed."""
        results: list[tuple[Pending, dict[str, Any] | None]] = []
        async with self._db.unit() as session:
            stored = await self._already_stored(session, items)
            new = [item for item in items if item.key not in stored]
            for item in items:
                if item.key in stored:
                    results.append((item, None))
            if new:
                messages = await self._insert(session, new)
                self._crash.reached("chat.mid_batch")
                await self._recording.record_many(
                    session,
                    [
                        Change(
                            m["room_id"],
                            m["session_id"],
                            "chat.message",
                            m,
                            actor=m["user_id"],
                            ref=f"chat:{m['id']}",
                        )
                        for m in messages
                    ],
                )
                results.extend(zip(new, messages, strict=True))
                if self._mentions is not None:
                    for sent, stored_message in zip(new, messages, strict=True):
                        # Reset first: a rolled-back batch's notes were never committed.
                        sent.notes = []
                        if "@" in sent.body:
                            sent.notes = await self._mentions(session, stored_message, sent.name)
            self._crash.reached("chat.before_commit")
        self._crash.reached("chat.after_commit")
        self.batches += 1
        self.committed += len(items)
        for item, message in results:
            _resolve(item, message)

    async def _already_stored(self, session: AsyncSession, items: Sequence[Pending]) -> set[Key]:
        """Which client ids are stored already (retries), in one indexed query: they must
        not reach the INSERT, whose unique violation would roll the whole batch back."""
        # One equality triple per message, OR-ed: both backends look each one up in the
        # unique index (a row-value IN list makes SQLite scan the table). Written as SQL text
        # and sent with exec_driver_sql: built as a SQLAlchemy expression, this one statement
        # (a new shape per batch size, so never a cache hit) cost more CPU than the batch's
        # inserts.
        conn = await session.connection()
        style = conn.dialect.paramstyle

        def mark(n: int) -> str:
            return "?" if style == "qmark" else f"${n}"  # SQLite; asyncpg's numeric_dollar

        terms = [
            f"(room_id = {mark(3 * n + 1)} AND user_id = {mark(3 * n + 2)} "
            f"AND client_id = {mark(3 * n + 3)})"
            for n in range(len(items))
        ]
        sql = "SELECT room_id, user_id, client_id FROM chat_messages WHERE " + " OR ".join(terms)
        rows = await conn.exec_driver_sql(sql, tuple(v for item in items for v in item.key))
        return {cast(Key, tuple(str(v) for v in row)) for row in rows}

    async def _insert(
        self, session: AsyncSession, items: Sequence[Pending]
    ) -> list[dict[str, Any]]:
        """Reserve each room's seqs (one statement; rooms locked in id order) and insert the
        messages with one multi-row INSERT ... RETURNING id; rendered as ``message_dict``."""
        counts: dict[str, int] = {}
        for item in items:
            counts[item.room_id] = counts.get(item.room_id, 0) + 1
        # A rolled-back batch gives every seq back, so seqs stay gap-free.
        next_seq = await reserve(session, Room.chat_seq, Room.id, counts)
        now = utcnow()
        rows: list[dict[str, Any]] = []
        for item in items:
            if item.room_id not in next_seq:  # deleted meanwhile; its messages fail alone
                raise not_found("room")
            seq = next_seq[item.room_id]
            next_seq[item.room_id] = seq + 1
            rows.append(
                {
                    "room_id": item.room_id,
                    "seq": seq,
                    "session_id": self._recording.live_session(item.room_id),
                    "user_id": item.user_id,
                    "client_id": item.client_id,
                    "body": item.body,
                    "created_at": now,
                    "edited_at": None,
                    "deleted_at": None,
                    "deleted_by": None,
                }
            )
        table = cast(Table, ChatMessage.__table__)
        ids = await session.scalars(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
        )
        return [
            {
                "id": id_,
                "room_id": row["room_id"],
                "seq": row["seq"],
                "session_id": row["session_id"],
                "client_id": row["client_id"],
                "user_id": row["user_id"],
                "name": item.name,
                "body": row["body"],
                "created_at": now.isoformat(),
                "edited_at": None,
                "deleted": False,
                "reactions": {},
            }
            for id_, row, item in zip(ids.all(), rows, items, strict=True)
        ]
