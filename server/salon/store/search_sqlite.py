"""SQLite FTS5 behind the search index: an external-content table over search_entries,
kept in step by triggers (migration 0003), ranked with bm25."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, column, func, literal_column, select, table, text

from salon.store.search import SearchEntry

fts = table("search_fts", column("rowid"))
# Title words weigh more than body words.
TITLE_WEIGHT, BODY_WEIGHT = 4.0, 1.0

CREATE = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(title_terms, terms, "
    "content='search_entries', content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER search_entries_ai AFTER INSERT ON search_entries BEGIN "
    "INSERT INTO search_fts(rowid, title_terms, terms) "
    "VALUES (new.id, new.title_terms, new.terms); END",
    "CREATE TRIGGER search_entries_ad AFTER DELETE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title_terms, terms) "
    "VALUES ('delete', old.id, old.title_terms, old.terms); END",
    "CREATE TRIGGER search_entries_au AFTER UPDATE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title_terms, terms) "
    "VALUES ('delete', old.id, old.title_terms, old.terms); "
    "INSERT INTO search_fts(rowid, title_terms, terms) "
    "VALUES (new.id, new.title_terms, new.terms); END",
]
DROP = [
    "DROP TRIGGER IF EXISTS search_entries_au",
    "DROP TRIGGER IF EXISTS search_entries_ad",
    "DROP TRIGGER IF EXISTS search_entries_ai",
    "DROP TABLE IF EXISTS search_fts",
]


class SqliteBackend:
    def match(self, stmt: Select[Any], match_text: str) -> tuple[Select[Any], ColumnElement[float]]:
        # Materialize the full-text hits first: joined directly, SQLite may walk every entry
        # of the filtered rooms and probe the FTS index once per row (seconds on big rooms).
        # bm25 is "lower is better"; negate it so every backend ranks higher-is-better.
        hits = (
            select(
                fts.c.rowid.label("id"),
                (-func.bm25(literal_column("search_fts"), TITLE_WEIGHT, BODY_WEIGHT)).label(
                    "score"
                ),
            )
            .where(text("search_fts MATCH :match").bindparams(match=match_text))
            .cte("fts_hits")
            .prefix_with("MATERIALIZED")
        )
        score: ColumnElement[float] = hits.c.score
        return stmt.join(hits, hits.c.id == SearchEntry.id), score
