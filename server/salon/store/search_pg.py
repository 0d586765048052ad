"""PostgreSQL full-text search behind the search index: a generated tsvector column with a
GIN index (migration 0003), the 'simple' configuration (no stemming, any language), ranked
with ts_rank_cd."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.searchtext import ParsedQuery
from salon.store.search import Candidate, SearchEntry

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


class PostgresBackend:
    """ts_rank_cd weighs each entry on its own (no statistics over all the matches), so the
    scores of any slice of the matches are exact."""

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
        # Ranked after the LIMIT: a plan that collects the matches and sorts them by id would
        # otherwise rank every match, not only the ones returned.
        found = stmt.order_by(SearchEntry.id.desc()).offset(skip).limit(limit).subquery("found")
        rows = await session.execute(
            select(found.c.id, found.c.at, func.ts_rank_cd(found.c.tsv, ts_query)).order_by(
                found.c.id.desc()
            )
        )
        return [Candidate(id, at, float(score)) for id, at, score in rows]
