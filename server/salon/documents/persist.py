"""Durability: the grouped-commit update writer, background snapshots, and loading state.

Every applied update is queued with its time and author and committed in batches at most
``write_batch_ms`` behind; consecutive updates of one author to one document in a batch are
merged into one log row (history keeps the batch's time resolution, the log stays compact).
After commits, documents whose log tail grew past ``snapshot_every`` rows *and* past half the
size of their state get a snapshot built from the archive itself (not from memory), so a
snapshot always equals "log up to id N" exactly. Building one costs time proportional to the
whole document (decode, integrate, re-encode: ~10 ms at 160 kB); the size condition keeps that
cost per logged byte constant whatever the document's size, where a row count alone would
rebuild a large document every few hundred keystrokes (docs/performance.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pycrdt

from salon.core.loops import BatchLoop
from salon.documents import repository as repo
from salon.documents.room import Author
from salon.store.db import Database
from salon.store.models import DocUpdate, utcnow

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Pending:
    document_id: str
    data: bytes
    author: Author
    created_at: datetime


# A snapshot is due once the log tail holds this fraction of the state's size (and
# ``snapshot_every`` rows): loading stays within 1.5x of the state, and snapshot building
# costs a bounded amount per byte logged.
SNAPSHOT_TAIL_RATIO = 0.5


@dataclass(slots=True)
class LoadedState:
    state: bytes
    last_update: DocUpdate | None
    tail: int  # log rows applied on top of the snapshot
    tail_bytes: int = 0  # their size


async def load_state(db: Database, document_id: str, upto_id: int | None = None) -> LoadedState:
    """The document as of log id ``upto_id`` (default: all of it): one snapshot plus its tail."""
    async with db.read() as session:
        snapshot = await repo.latest_snapshot(session, document_id, upto_id)
        after = snapshot.upto_update_id if snapshot else 0
        tail = await repo.updates_after(session, document_id, after, upto_id)
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    if snapshot is not None:
        doc.apply_update(snapshot.state)
    for row in tail:
        doc.apply_update(row.data)
    return LoadedState(
        doc.get_update(), tail[-1] if tail else None, len(tail), sum(len(r.data) for r in tail)
    )


def unlogged(archived: bytes, update: bytes) -> bytes | None:
    """The part of ``update`` the archived state lacks (structs past its state vector, plus the
    delete set), or None when applying ``update`` to the archive would change nothing. Yjs
    identifies every struct by (client, clock), so logging this part twice changes nothing."""
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    doc.apply_update(archived)
    before = doc.get_state()
    changed: list[bool] = []
    # Yrs reports an update only when a transaction inserted or deleted something.
    subscription = doc.observe(lambda _event: changed.append(True))
    try:
        doc.apply_update(update)
    finally:
        doc.unobserve(subscription)
    if not changed:
        return None
    return pycrdt.get_update(update, before)


def _group(batch: list[_Pending]) -> list[dict[str, Any]]:
    """One row per run of same document + author, merged; order within a document is kept."""
    rows: list[dict[str, Any]] = []
    run: list[_Pending] = []
    for item in [*batch, None]:
        if run and (
            item is None or (item.document_id, item.author) != (run[0].document_id, run[0].author)
        ):
            data = run[0].data if len(run) == 1 else pycrdt.merge_updates(*(p.data for p in run))
            rows.append(
                {
                    "document_id": run[0].document_id,
                    "data": data,
                    "user_id": run[0].author.user_id,
                    "session_id": run[0].author.session_id,
                    "created_at": run[-1].created_at,
                }
            )
            run = []
        if item is not None:
            run.append(item)
    return rows


class UpdateWriter:
    """Appends applied updates to the log in grouped commits and triggers snapshots."""

    def __init__(
        self,
        db: Database,
        batch_ms: float,
        snapshot_every: int,
        snapshot_ratio: float = SNAPSHOT_TAIL_RATIO,
    ) -> None:
        self.db = db
        self.batch_s = max(batch_ms, 1.0) / 1000
        self.snapshot_every = snapshot_every
        self.snapshot_ratio = snapshot_ratio
        self._queue: list[_Pending] = []
        self._unwritten: Counter[str] = Counter()
        self._since_snapshot: Counter[str] = Counter()
        self._tail_bytes: Counter[str] = Counter()
        self._state_bytes: dict[str, int] = {}
        self._snapshotting: set[str] = set()
        self._snapshot_tasks: set[asyncio.Task[None]] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        # One commit per window; a failed batch is kept and retried after a pause.
        self._loop = BatchLoop(
            "doc-update-writer",
            self._write_all,
            self.batch_s,
            log=log,
            failure="document log write failed; retrying",
            retry_s=min(1.0, self.batch_s * 10),
        )
        self._wake = self._loop.wake

    # --- producer side (synchronous, called from the room's observer) ----------------------

    def append(self, document_id: str, data: bytes, author: Author) -> None:
        self._queue.append(_Pending(document_id, data, author, utcnow()))
        self._unwritten[document_id] += 1
        self._idle.clear()
        self._wake()

    def lag(self) -> float:
        """Seconds the oldest accepted, uncommitted update has been waiting."""
        if not self._queue:
            return 0.0
        return max(0.0, (utcnow() - self._queue[0].created_at).total_seconds())

    def is_persisted(self, document_id: str) -> bool:
        return self._unwritten[document_id] == 0

    def note_tail(self, document_id: str, loaded: LoadedState) -> None:
        """Tell the writer how long a freshly loaded document's unsnapshotted tail is."""
        self._since_snapshot[document_id] = loaded.tail
        self._tail_bytes[document_id] = loaded.tail_bytes
        self._state_bytes[document_id] = len(loaded.state)
        self._maybe_snapshot(document_id)

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        self._loop.start()

    async def flush(self) -> None:
        """Wait until everything appended so far is committed."""
        await self._idle.wait()

    async def stop(self) -> None:
        await self._loop.stop()  # shutdown flush: nothing accepted is dropped
        for task in list(self._snapshot_tasks):
            with contextlib.suppress(Exception):
                await task

    # --- the batch (run by the loop) ------------------------------------------------------

    async def _write_all(self) -> None:
        if not self._queue:
            self._idle.set()
            return
        batch, self._queue = self._queue, []
        try:
            async with self.db.unit() as session:
                await repo.append_updates(session, _group(batch))
        except BaseException:
            self._queue[:0] = batch  # keep order: the failed batch goes first next time
            raise
        written = Counter(p.document_id for p in batch)
        self._unwritten.subtract(written)
        for pending in batch:
            self._tail_bytes[pending.document_id] += len(pending.data)
        for document_id, count in written.items():
            self._since_snapshot[document_id] += count
            self._maybe_snapshot(document_id)
        if not self._queue:
            self._idle.set()

    # --- snapshots -------------------------------------------------------------------------

    def _maybe_snapshot(self, document_id: str) -> None:
        due = self._since_snapshot[document_id] >= self.snapshot_every and self._tail_bytes[
            document_id
        ] >= self.snapshot_ratio * self._state_bytes.get(document_id, 0)
        if due and document_id not in self._snapshotting:
            self.snapshot_soon(document_id)

    def snapshot_soon(self, document_id: str) -> None:
        if document_id in self._snapshotting:
            return
        self._snapshotting.add(document_id)
        task = asyncio.create_task(self._snapshot(document_id), name=f"doc-snapshot-{document_id}")
        self._snapshot_tasks.add(task)
        task.add_done_callback(self._snapshot_tasks.discard)

    async def _snapshot(self, document_id: str) -> None:
        try:
            loaded = await _write_snapshot(self.db, document_id)
            if loaded is not None:
                # What was committed while the snapshot was built stays in the tail.
                since = self._since_snapshot[document_id] - loaded.tail
                self._since_snapshot[document_id] = max(0, since)
                tail_bytes = self._tail_bytes[document_id] - loaded.tail_bytes
                self._tail_bytes[document_id] = max(0, tail_bytes)
                self._state_bytes[document_id] = len(loaded.state)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("snapshot of document %s failed", document_id)
        finally:
            self._snapshotting.discard(document_id)

    def forget(self, document_id: str) -> None:
        self._since_snapshot.pop(document_id, None)
        self._tail_bytes.pop(document_id, None)
        self._state_bytes.pop(document_id, None)
        if self._unwritten[document_id] == 0:
            self._unwritten.pop(document_id, None)


# Snapshots are a cache of the log: the recent ones keep loads cheap, thinned older ones
# (one per 1,000 log rows) keep history and replay seeks cheap anywhere in a long session.
SNAPSHOTS_KEPT = 10


async def write_snapshot(db: Database, document_id: str) -> bool:
    """Merge the latest snapshot and the log after it into a new snapshot. False if no tail."""
    return await _write_snapshot(db, document_id) is not None


async def _write_snapshot(db: Database, document_id: str) -> LoadedState | None:
    loaded = await load_state(db, document_id)
    if loaded.last_update is None:
        return None
    async with db.unit() as session:
        await repo.add_snapshot(session, document_id, loaded.last_update, loaded.state, loaded.tail)
        await session.flush()
        await repo.prune_snapshots(session, document_id, SNAPSHOTS_KEPT)
    log.debug("snapshot of %s up to update %s", document_id, loaded.last_update.id)
    return loaded
