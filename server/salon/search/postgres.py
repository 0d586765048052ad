"""PostgreSQL full-text search behind the search index: a generated tsvector column with a
GIN index (migration 0003), the 'simple' configuration (no stemming, any language), ranked
with ts_rank_cd."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from salon.search.repository import Candidate
from salon.search.text import ParsedQuery
from salon.store.models import SearchEntry

CREATE = [
    "ALTER TABLE search_entries ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, title_terms), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, terms), 'B')) STORED",
    "CREATE INDEX ix_search_tsv ON search_entries USING GIN (tsv)",
]
DROP = [
    "DROP INDEX IF EXISTS ix_search_tsv",
    "ALTER TABLE search_entries DROP COLUMN IF EXISTS tsv",
]

tsv: ColumnElement[Any] = literal_column("search_entries.tsv")


# The newest matches come from one of two plans, and PostgreSQL's planner prices `@@` as nearly
# free, so it walks the primary key backwards even where that reads 200,000 rows for 1,000
# matches (80-240 ms on a million messages, worse with parallel workers). Salon chooses with
# PostgreSQL's own statistics of the column (its most common words and their frequencies):
# - walk the primary key backwards, testing each entry: ~ (1,001 / share of entries matching)
#   rows, measured at 0.42 µs each here;
# - the GIN index first: its posting lists (~0.06 µs per posting of each word), then every
#   match from the table (~1.3 µs each), sorted.
# Two words of 9 % and 6 %: 79 ms against 16 ms predicted, 80 and 15 ms measured.
PK_ROW_US, POSTING_US, MATCH_US = 0.42, 0.06, 1.3
STATS_TTL_S = 300.0
STATS_SQL = (
    "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, c.reltuples "
    "FROM pg_stats s JOIN pg_class c ON c.relname = s.tablename "
    "WHERE s.tablename = 'search_entries' AND s.attname = 'tsv'"
)


class PostgresBackend:
    """ts_rank_cd weighs each entry on its own (no statistics over all the matches), so the
    scores of any slice of the matches are exact."""

    def __init__(self) -> None:
        self._freqs: dict[str, float] = {}
        self._floor = 0.0
        self._rows = 0.0
        self._stats_at: float | None = None

    async def gin_first(self, session: AsyncSession, query: ParsedQuery, wanted: int) -> bool:
        """Whether the GIN index finds the newest ``wanted`` matches faster than the primary
        key. False without statistics (before the first ANALYZE: a small archive)."""
        now = time.monotonic()
        if self._stats_at is None or now - self._stats_at > STATS_TTL_S:
            row = (await session.execute(text(STATS_SQL))).first()
            elems, freqs, rows = (row[0] or [], row[1] or [], row[2]) if row else ([], [], 0)
            # The frequency array ends with three summary numbers after one per element.
            self._freqs = dict(zip(elems, freqs[: len(elems)], strict=True))
            self._floor = min(self._freqs.values(), default=0.0)
            self._rows = max(float(rows or 0), 0.0)
            self._stats_at = now
        if not self._freqs or not self._rows:
            return False
        # Not among the most common: at most as common as the least of them.
        shares = [self._freqs.get(word.lower(), self._floor) for word in query.words]
        matching = 1.0
        for share in shares:
            matching *= share  # words taken as independent
        walk = min(wanted / max(matching, 1e-9), self._rows) * PK_ROW_US
        gin = self._rows * (sum(shares) * POSTING_US + matching * MATCH_US)
        return gin < walk

    async def newest(
        self,
        session: AsyncSession,
        where: Sequence[ColumnElement[bool]],
        query: ParsedQuery,
        limit: int,
        before: int | None = None,
        skip: int = 0,
    ) -> list[Candidate]:
        # websearch_to_tsquery never raises on user input; match_text quotes every word anyway.
        ts_query = func.websearch_to_tsquery(
            literal_column("'simple'::regconfig"), bindparam("match", query.match_text())
        )
        stmt = select(SearchEntry.id, SearchEntry.at, tsv.label("tsv")).where(
            *where, tsv.op("@@")(ts_query)
        )
        if before is not None:
            stmt = stmt.where(SearchEntry.id < before)
        # For this transaction only: parallel workers made the backward walk 2-3x slower, and
        # without plain index scans the planner takes the GIN bitmap.
        await session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
        if await self.gin_first(session, query, skip + limit):
            await session.execute(text("SET LOCAL enable_indexscan = off"))
        # Ranked after the LIMIT: a plan that collects the matches and sorts them by id would
        # otherwise rank every match, not only the ones returned.
        found = stmt.order_by(SearchEntry.id.desc()).offset(skip).limit(limit).subquery("found")
        rows = await session.execute(
            select(found.c.id, found.c.at, func.ts_rank_cd(found.c.tsv, ts_query)).order_by(
                found.c.id.desc()
            )
        )
        return [Candidate(id, at, float(score)) for id, at, score in rows]
