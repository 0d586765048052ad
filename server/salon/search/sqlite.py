"""SQLite FTS5 behind the search index: an external-content table over search_entries,
kept in step by triggers (migration 0003), ranked with bm25.

FTS5's bm25 weighs each word by its rarity, and counts every entry holding the word to know
it: 30-50 ms for a word in most of a million messages, whatever LIMIT the query has. So the
newest matches are found without it, and bm25 ranks them only when they are all the matches.
Otherwise (more than a window of matches) ``window_scores`` ranks them with the same formula
minus the rarity: every word of such a query is common, and each weighs the same."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, TextClause, column, func, literal_column, select, table, text
from sqlalchemy.ext.asyncio import AsyncSession

from salon.search.repository import Candidate
from salon.search.text import ParsedQuery
from salon.store.models import SearchEntry

fts = table("search_fts", column("rowid"))
# Title words weigh more than body words.
TITLE_WEIGHT, BODY_WEIGHT = 4.0, 1.0
# FTS5's bm25 constants.
K1, B = 1.2, 0.75

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
    async def newest(
        self,
        session: AsyncSession,
        where: Sequence[ColumnElement[bool]],
        query: ParsedQuery,
        limit: int,
        before: int | None = None,
        skip: int = 0,
    ) -> list[Candidate]:
        match = text("search_fts MATCH :match").bindparams(match=query.match_text())
        # FTS5 walks its index newest first and stops at the LIMIT; SQLite drives the join
        # from it (checked with EXPLAIN QUERY PLAN), not from the room index probing the
        # full-text index once per entry (seconds on big rooms).
        hits = select(fts.c.rowid.label("id")).where(match)
        if before is not None:
            hits = hits.where(fts.c.rowid < before)
        found = hits.subquery("hits")
        stmt = (
            select(SearchEntry.id, SearchEntry.at, SearchEntry.title_terms, SearchEntry.terms)
            .select_from(found.join(SearchEntry, SearchEntry.id == found.c.id))
            .where(*where)
            .order_by(found.c.id.desc())
            .offset(skip)
            .limit(limit)
        )
        rows = list(await session.execute(stmt))
        if before is None and skip == 0 and len(rows) < limit and rows:
            scores = await bm25_scores(session, match, rows[-1].id, rows[0].id)
        else:
            ranked = window_scores(query, [(r.title_terms, r.terms) for r in rows])
            scores = {r.id: score for r, score in zip(rows, ranked, strict=True)}
        return [Candidate(r.id, r.at, scores.get(r.id, 0.0)) for r in rows]


async def bm25_scores(
    session: AsyncSession, match: TextClause, low: int, high: int
) -> dict[int, float]:
    """FTS5's own bm25 of the matches with ids in [low, high], negated: higher is better."""
    score = -func.bm25(literal_column("search_fts"), TITLE_WEIGHT, BODY_WEIGHT)
    rows = await session.execute(
        select(fts.c.rowid, score).where(match, fts.c.rowid.between(low, high))
    )
    return {int(rowid): float(value) for rowid, value in rows}


def window_scores(query: ParsedQuery, entries: Sequence[tuple[str, str]]) -> list[float]:
    """bm25 as FTS5 computes it for (title_terms, terms) pairs, with every phrase weighing
    the same instead of by its rarity, and the average length taken over these entries."""
    split = [(title.split(), body.split()) for title, body in entries]
    lengths = [len(title) + len(body) for title, body in split]
    average = max(sum(lengths) / len(lengths), 1.0) if lengths else 1.0
    scores = []
    for (title, body), length in zip(split, lengths, strict=True):
        norm = K1 * (1 - B + B * length / average)
        score = 0.0
        for phrase in query.phrases:
            freq = TITLE_WEIGHT * occurrences(title, phrase) + BODY_WEIGHT * occurrences(
                body, phrase
            )
            score += freq * (K1 + 1) / (freq + norm)
        scores.append(score)
    return scores


def occurrences(words: list[str], phrase: tuple[str, ...]) -> int:
    if len(phrase) == 1:
        return words.count(phrase[0])
    n = len(phrase)
    return sum(1 for i in range(len(words) - n + 1) if tuple(words[i : i + n]) == phrase)
