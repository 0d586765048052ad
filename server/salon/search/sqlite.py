"""SQLite FTS5 behind the search index: an external-content table over search_entries,
kept in step by triggers (migration 0003). FTS5 only finds and counts matches here; ranking is
search/ranking.py's, the same on both backends.

The table's tokenizer is plain ``unicode61``: the column already holds stems
(search/text.py), so FTS5 must not change them again, and both backends see the same terms."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, TextClause, column, func, select, table, text
from sqlalchemy.ext.asyncio import AsyncSession

from salon.search.repository import Candidate, Match
from salon.search.text import Unit
from salon.store.models import SearchEntry

fts = table("search_fts", column("rowid"))

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
    async def count(self, session: AsyncSession, unit: Unit, cap: int, prefix: bool = False) -> int:
        """Entries holding ``unit`` anywhere in the archive, counted up to ``cap``."""
        match = _match(Match((unit,), prefix=prefix))
        hits = select(fts.c.rowid).where(match).limit(cap).subquery()
        return int(await session.scalar(select(func.count()).select_from(hits)) or 0)

    async def counts(
        self, session: AsyncSession, units: Sequence[Unit], cap: int, prefix: bool = False
    ) -> dict[Unit, int]:
        wanted = list(dict.fromkeys(units))
        if not wanted:
            return {}
        columns = []
        for i, unit in enumerate(wanted):
            match = expression(Match((unit,), prefix=prefix))
            hits = select(fts.c.rowid).where(
                text(f"search_fts MATCH :m{i}").bindparams(**{f"m{i}": match})
            )
            counted = select(func.count()).select_from(hits.limit(cap).subquery())
            columns.append(counted.scalar_subquery().label(f"n{i}"))
        row = (await session.execute(select(*columns))).one()
        return {unit: int(row[i] or 0) for i, unit in enumerate(wanted)}

    async def newest(
        self,
        session: AsyncSession,
        where: Sequence[ColumnElement[bool]],
        match: Match,
        limit: int,
    ) -> list[Candidate]:
        # FTS5 walks its index newest first and stops at the LIMIT; SQLite drives the join
        # from it (checked with EXPLAIN QUERY PLAN), not from the room index probing the
        # full-text index once per entry (seconds on big rooms).
        found = select(fts.c.rowid.label("id")).where(_match(match)).subquery("hits")
        stmt = (
            select(SearchEntry.id, SearchEntry.at)
            .select_from(found.join(SearchEntry, SearchEntry.id == found.c.id))
            .where(*where)
            .order_by(found.c.id.desc())
            .limit(limit)
        )
        return [Candidate(r.id, r.at) for r in await session.execute(stmt)]


def _match(match: Match) -> TextClause:
    return text("search_fts MATCH :match").bindparams(match=expression(match))


def expression(match: Match) -> str:
    """FTS5 MATCH syntax: every term double-quoted, so nothing the user typed is an operator."""
    star = "*" if match.prefix else ""
    quoted = ['"' + " ".join(unit) + '"' + star for unit in match.any]
    required = ['"' + " ".join(unit) + '"' for unit in match.required]
    parts = [f"({' OR '.join(quoted)})"] if quoted else []
    found = " AND ".join(parts + required)
    return f"title_terms : ({found})" if match.titles else found
