"""The semantic stage of search: Q&A entries embedded in the background, nearest neighbours
of a query found in memory.

- **Indexing, off the live path.** The services queue an entry (search_vector_queue) in the
  unit of work that changes its text (search.repository.put); this node's indexer loop drains
  the queue every few seconds, embeds the texts in a worker thread and stores the vectors
  (search_vectors). Chat, Q&A and documents never wait for it: with the model slow, absent
  or failing, vectors are late and search ranks lexically meanwhile.
- **Searching.** Every node keeps all vectors in one float32 matrix (384 values per Q&A:
  1.5 MB per thousand), loading those it has not seen by id after each indexer pass (another
  node's too), and reloading the whole matrix now and then to forget deleted entries. A query
  is embedded in a worker thread, compared with every row (one matrix-vector product), and
  its nearest rows are checked against the database with the reader's filters, so nothing
  from a room they cannot see, and nothing deleted, is returned.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.core.loops import report_failure
from salon.search.semantic.encoder import DIMENSIONS, Encoder
from salon.store.db import Database
from salon.store.models import SearchEntry, SearchVector, SearchVectorQueue

log = logging.getLogger("salon.search.semantic")

# Queue entries embedded per pass (one batch in the worker thread, one commit).
BATCH = 16
POLL_S = 2.0
RELOAD_S = 600.0
# Characters of an entry given to the model: the question and the start of its answers. The
# model reads at most MAX_TOKENS word pieces anyway.
TEXT_CHARS = 1_500
LOAD_ROWS = 5_000


@dataclass(frozen=True, slots=True)
class Neighbour:
    id: int
    similarity: float  # cosine, -1..1


def entry_text(title: str, body: str) -> str:
    """What is embedded of an entry: its question, then its answers."""
    return f"{title}\n{body}"[:TEXT_CHARS]


class SemanticSearch:
    """One node's semantic stage: its encoder, its copy of the vectors, its indexer loop.
    Built only when the semantic extra and a model are there (search.semantic.encoder)."""

    def __init__(self, db: Database, encoder: Encoder, poll_s: float = POLL_S) -> None:
        import numpy as np

        self._np = np
        self._db = db
        self._encoder = encoder
        self._poll_s = poll_s
        self._matrix: Any = np.zeros((0, DIMENSIONS), dtype=np.float32)
        self._ids: Any = np.zeros(0, dtype=np.int64)
        self._row_of: dict[int, int] = {}
        self._loaded_up_to = 0
        self._reloaded_at = 0.0
        self._lock = asyncio.Lock()  # one pass at a time: the loop's or catch_up's
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    @property
    def model(self) -> str:
        return self._encoder.model

    @property
    def size(self) -> int:
        """Vectors this node holds in memory."""
        return len(self._row_of)

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        await self._reload()
        self._task = asyncio.create_task(self._run(), name="semantic-indexer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        """Run a pass now rather than at the next poll."""
        self._wake.set()

    async def _run(self) -> None:
        while True:
            try:
                more = await self._pass()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                report_failure(
                    log, "semantic indexing pass failed; retrying at the next poll", error
                )
                more = False
            if not more:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll_s)

    async def catch_up(self) -> None:
        """Embed everything queued so far and load it: for tests, benchmarks and
        ``salon db reindex``, which need the index complete before they go on."""
        while await self._pass():
            pass

    # -- indexing --------------------------------------------------------------------------

    async def _pass(self) -> bool:
        """Embed one batch of the queue and load new vectors; True if more is queued."""
        async with self._lock:
            async with self._db.read() as session:
                queued = list(
                    await session.execute(
                        select(SearchVectorQueue.id, SearchVectorQueue.entry_id)
                        .order_by(SearchVectorQueue.id)
                        .limit(BATCH + 1)
                    )
                )
                batch = queued[:BATCH]
                wanted = list(dict.fromkeys(entry for _, entry in batch))
                rows = (
                    list(
                        await session.execute(
                            select(SearchEntry.id, SearchEntry.title, SearchEntry.body).where(
                                SearchEntry.id.in_(wanted)
                            )
                        )
                    )
                    if wanted
                    else []
                )
            if batch:
                texts = [entry_text(title, body) for _, title, body in rows]
                vectors = await asyncio.to_thread(self._encoder.encode, texts)
                await self._store(
                    [id for id, _, _ in rows], vectors, wanted, max(id for id, _ in batch)
                )
            await self._load()
            return len(queued) > BATCH

    async def _store(self, ids: list[int], vectors: Any, queued: list[int], up_to: int) -> None:
        async with self._db.unit() as session:
            if ids:
                await session.execute(delete(SearchVector).where(SearchVector.entry_id.in_(ids)))
                session.add_all(
                    SearchVector(entry_id=id, model=self.model, vector=row.tobytes())
                    for id, row in zip(ids, vectors, strict=True)
                )
            # Queued again after this batch was read: those rows stay for the next pass.
            await session.execute(
                delete(SearchVectorQueue).where(
                    SearchVectorQueue.entry_id.in_(queued), SearchVectorQueue.id <= up_to
                )
            )

    # -- the in-memory copy ----------------------------------------------------------------

    async def _reload(self) -> None:
        np = self._np
        self._matrix = np.zeros((0, DIMENSIONS), dtype=np.float32)
        self._ids = np.zeros(0, dtype=np.int64)
        self._row_of = {}
        self._loaded_up_to = 0
        self._reloaded_at = time.monotonic()
        await self._load()

    async def _load(self) -> None:
        """Vectors stored since the last load, this node's and others'."""
        if time.monotonic() - self._reloaded_at > RELOAD_S:
            await self._reload()
            return
        np = self._np
        while True:
            async with self._db.read() as session:
                rows = list(
                    await session.execute(
                        select(SearchVector.id, SearchVector.entry_id, SearchVector.vector)
                        .where(
                            SearchVector.id > self._loaded_up_to,
                            SearchVector.model == self.model,
                        )
                        .order_by(SearchVector.id)
                        .limit(LOAD_ROWS)
                    )
                )
            if not rows:
                return
            fresh: list[Any] = []
            fresh_ids: list[int] = []
            for _, entry_id, blob in rows:
                vector = np.frombuffer(blob, dtype=np.float32)
                if vector.shape != (DIMENSIONS,):
                    continue
                row = self._row_of.get(entry_id)
                if row is not None:
                    self._matrix[row] = vector
                else:
                    self._row_of[entry_id] = len(self._row_of)
                    fresh.append(vector)
                    fresh_ids.append(entry_id)
            if fresh:
                self._matrix = np.vstack([self._matrix, np.stack(fresh)])
                self._ids = np.concatenate([self._ids, np.array(fresh_ids, dtype=np.int64)])
            self._loaded_up_to = rows[-1][0]

    # -- searching -------------------------------------------------------------------------

    async def embed(self, text: str) -> Any:
        """The query's vector, computed in a worker thread (the event loop keeps serving)."""
        return (await asyncio.to_thread(self._encoder.encode, [text]))[0]

    async def nearest(
        self,
        session: AsyncSession,
        query: Any,
        where: Sequence[ColumnElement[bool]],
        limit: int,
        floor: float,
    ) -> list[Neighbour]:
        """Up to ``limit`` entries meeting ``where`` whose vectors are nearest ``query``,
        at least ``floor`` similar, best first."""
        np = self._np
        matrix, ids = self._matrix, self._ids
        if not len(ids):
            return []
        sims = matrix @ query
        # Read more than wanted: the reader's filters drop some of the nearest.
        reach = min(len(ids), limit * 4)
        best = np.argpartition(-sims, reach - 1)[:reach]
        best = best[sims[best] >= floor]
        if not len(best):
            return []
        chosen = {int(ids[i]): float(sims[i]) for i in best}
        allowed = await session.scalars(
            select(SearchEntry.id).where(SearchEntry.id.in_(list(chosen)), *where)
        )
        found = sorted(
            (Neighbour(id, chosen[id]) for id in allowed), key=lambda n: (-n.similarity, -n.id)
        )
        return found[:limit]

    async def backlog(self) -> int:
        """Entries waiting to be embedded (for metrics and `salon db reindex`)."""
        async with self._db.read() as session:
            return int(
                await session.scalar(select(func.count()).select_from(SearchVectorQueue)) or 0
            )
