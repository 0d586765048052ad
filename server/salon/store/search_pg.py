"""PostgreSQL full-text search behind the search index: a generated tsvector column with a
GIN index (migration 0003), the 'simple' configuration (no stemming, any language), ranked
with ts_rank_cd."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, literal_column

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
    def match(self, stmt: Select[Any], match_text: str) -> tuple[Select[Any], ColumnElement[float]]:
        # websearch_to_tsquery never raises on user input; match_text quotes every word anyway.
        query = func.websearch_to_tsquery(
            literal_column("'simple'::regconfig"), bindparam("match", match_text)
        )
        score: ColumnElement[float] = func.ts_rank_cd(tsv, query)
        return stmt.where(tsv.op("@@")(query)), score
