"""PostgreSQL full-text search behind the search index: a generated tsvector column with a
GIN index (migration 0003). The column already holds stems (search/text.py), so the 'simple'
configuration indexes them unchanged and both backends see the same terms. PostgreSQL only
finds and counts matches here; ranking is search/ranking.py's, the same on both backends."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from salon.search.repository import Candidate, Match
from salon.search.text import Unit
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
# A word the statistics put in this many times a count's cap is counted as the cap unread.
COMMON_FACTOR = 8
STATS_SQL = (
    "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, c.reltuples "
    "FROM pg_stats s JOIN pg_class c ON c.relname = s.tablename "
    "WHERE s.tablename = 'search_entries' AND s.attname = 'tsv'"
)


class PostgresBackend:
    def __init__(self) -> None:
        self._freqs: dict[str, float] = {}
        self._floor = 0.0
        self._rows = 0.0
        self._stats_at: float | None = None

    async def gin_first(self, session: AsyncSession, match: Match, wanted: int) -> bool:
        """Whether the GIN index finds the newest ``wanted`` matches faster than the primary
        key. False without statistics (before the first ANALYZE: a small archive)."""
        await self._statistics(session)
        if not self._freqs or not self._rows:
            return False

        def share(unit: Unit) -> float:
            # Not among the most common: at most as common as the least of them. Words are
            # taken as independent.
            product = 1.0
            for word in unit:
                product *= self._freqs.get(word, self._floor)
            return product

        matching = min(1.0, sum(share(u) for u in match.any)) if match.any else 1.0
        for unit in match.required:
            matching *= share(unit)
        postings = sum(self._freqs.get(w, self._floor) for u in match.units for w in u)
        walk = min(wanted / max(matching, 1e-9), self._rows) * PK_ROW_US
        gin = self._rows * (postings * POSTING_US + matching * MATCH_US)
        return gin < walk

    async def _statistics(self, session: AsyncSession) -> None:
        now = time.monotonic()
        if self._stats_at is not None and now - self._stats_at <= STATS_TTL_S:
            return
        row = (await session.execute(text(STATS_SQL))).first()
        elems, freqs, rows = (row[0] or [], row[1] or [], row[2]) if row else ([], [], 0)
        # The frequency array ends with three summary numbers after one per element.
        self._freqs = dict(zip(elems, freqs[: len(elems)], strict=True))
        self._floor = min(self._freqs.values(), default=0.0)
        self._rows = max(float(rows or 0), 0.0)
        self._stats_at = now

    async def count(self, session: AsyncSession, unit: Unit, cap: int, prefix: bool = False) -> int:
        """Entries holding ``unit`` anywhere in the archive, counted up to ``cap``."""
        match = Match((unit,), prefix=prefix)
        # A word in few entries is counted from its GIN posting list: a scan would read the
        # whole table looking for ``cap`` matches that are not there. A common word is
        # counted by scanning, which stops at ``cap``.
        await self._statistics(session)
        share = 1.0
        for word in unit:
            share *= self._freqs.get(word, self._floor)
        posting = prefix or not self._rows or share * self._rows < cap * 4
        scan = "off" if posting else "on"
        await _plan(session, seqscan=scan, indexscan=scan)
        hits = select(SearchEntry.id).where(tsv.op("@@")(_ts_query(match))).limit(cap)
        return int(await session.scalar(select(func.count()).select_from(hits.subquery())) or 0)

    async def counts(
        self, session: AsyncSession, units: Sequence[Unit], cap: int, prefix: bool = False
    ) -> dict[Unit, int]:
        """One statement for every unit, each counted from its GIN posting list (a bitmap
        scan stopping at ``cap`` rows). ``count``'s scan for a common word saves reading a
        long posting list on a million messages, but costs one round trip and one planner
        setting per word: while someone types, the words are few and the round trips are
        what a suggestion waits for (issue 16)."""
        await self._statistics(session)
        found: dict[Unit, int] = {}
        wanted = []
        for unit in dict.fromkeys(units):
            # PostgreSQL's own statistics put a word among the most common, in many times
            # ``cap`` entries: counting up to ``cap`` would only read its long posting list.
            share = 1.0
            for word in unit:
                share *= self._freqs.get(word, 0.0)
            if not prefix and self._rows and share * self._rows >= cap * COMMON_FACTOR:
                found[unit] = cap
            else:
                wanted.append(unit)
        if not wanted:
            return found
        await _plan(session, seqscan="off", indexscan="off")
        columns = []
        for i, unit in enumerate(wanted):
            query = func.to_tsquery(
                literal_column("'simple'::regconfig"),
                bindparam(f"m{i}", expression(Match((unit,), prefix=prefix))),
            )
            hits = select(SearchEntry.id).where(tsv.op("@@")(query)).limit(cap)
            counted = select(func.count()).select_from(hits.subquery())
            columns.append(counted.scalar_subquery().label(f"n{i}"))
        row = (await session.execute(select(*columns))).one()
        return found | {unit: int(row[i] or 0) for i, unit in enumerate(wanted)}

    async def newest(
        self,
        session: AsyncSession,
        where: Sequence[ColumnElement[bool]],
        match: Match,
        limit: int,
    ) -> list[Candidate]:
        stmt = select(SearchEntry.id, SearchEntry.at).where(*where, tsv.op("@@")(_ts_query(match)))
        # For this transaction only: parallel workers made the backward walk 2-3x slower, and
        # without plain index scans the planner takes the GIN bitmap. Set both ways each time:
        # one search runs several of these in one transaction.
        gin = await self.gin_first(session, match, limit)
        await _plan(session, seqscan="on", indexscan="off" if gin else "on")
        rows = await session.execute(stmt.order_by(SearchEntry.id.desc()).limit(limit))
        return [Candidate(id, at) for id, at in rows]


PLAN_KEY = "salon.search.plan"


async def _plan(session: AsyncSession, seqscan: str, indexscan: str) -> None:
    """Planner settings for the rest of this transaction, in one round trip (SET LOCAL), and
    none when the transaction already has them."""
    # SET LOCAL ends with the transaction: remember which one the settings belong to.
    wanted = (id(session.get_transaction()), seqscan, indexscan)
    if session.info.get(PLAN_KEY) == wanted:
        return
    session.info[PLAN_KEY] = wanted
    await session.execute(
        text(
            "SELECT set_config('max_parallel_workers_per_gather', '0', true), "
            "set_config('enable_seqscan', :seqscan, true), "
            "set_config('enable_indexscan', :indexscan, true)"
        ).bindparams(seqscan=seqscan, indexscan=indexscan)
    )


def _ts_query(match: Match) -> ColumnElement[Any]:
    return func.to_tsquery(
        literal_column("'simple'::regconfig"), bindparam("match", expression(match))
    )


def expression(match: Match) -> str:
    """to_tsquery syntax with every term quoted: terms are letters and digits only
    (search/text.py), so nothing the user typed is an operator."""

    title = "A" if match.titles else ""  # titles are weight A (migration 0003)

    def unit_text(unit: Unit, prefix: bool = False) -> str:
        star = (":*" if prefix else ":" if title else "") + title
        return "(" + " <-> ".join(f"'{word}'{star}" for word in unit) + ")"

    parts = []
    if match.any:
        parts.append("(" + " | ".join(unit_text(u, match.prefix) for u in match.any) + ")")
    parts += [unit_text(u) for u in match.required]
    return " & ".join(parts)
