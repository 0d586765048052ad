"""How search hits are ordered, the same on both backends: answers first, not mere matches.

An entry scores BM25 over the query's words (rarer words weigh more: their rarity comes from
the whole archive), multiplied by the share of the query's weight it holds, so an entry with
more of the words and rarer ones comes first even though any one word finds it. Then what
kind of entry it is weighs in: an answered question (the question and all its answers in one
entry) above a chat line or a session title, which must match clearly better to come first;
an accepted answer, votes and recency lift a little. A question's answers are folded into the
question's hit, so each Q&A is found once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from salon.search.text import ParsedQuery, Unit

K1, B = 1.2, 0.75
# The question (or session, document) title against the body, per kind of entry.
TITLE_WEIGHT = {"question": 2.0, "answer": 1.0, "document": 1.5, "session": 1.0, "chat": 1.0}
# Chat and session titles need about twice the match of a Q&A to rank above it.
KIND_WEIGHT = {"question": 1.0, "answer": 0.9, "document": 0.7, "session": 0.5, "chat": 0.5}
ANSWERED_BOOST, ACCEPTED_BOOST = 1.2, 1.15
VOTE_BOOST = 0.05  # per natural-log step of votes
RECENCY_BOOST, RECENCY_HALF_LIFE_DAYS = 0.05, 180.0
# A word found only as the beginning of a longer one ("postgres" in "postgresql").
PREFIX_WEIGHT = 0.6
# Below this share of the query's weight, a best hit is not a good match: say so.
GOOD_COVERAGE = 0.5
# Semantic stage (search/semantic): entries at least this similar to the query join the
# ranking; from GOOD_SIMILARITY on, a hit is a good match even sharing no word with it.
MIN_SIMILARITY, GOOD_SIMILARITY = 0.3, 0.45
# Reciprocal rank fusion of the lexical and the semantic order (Cormack et al., 2009): each
# list gives 1 / (FUSION_K + place); 60 is the paper's constant, not tuned here.
FUSION_K = 60


@dataclass(frozen=True, slots=True)
class Ranked:
    id: int
    score: float  # higher is better
    coverage: float  # share of the query's word weight the entry holds, 0..1
    # Cosine similarity of the entry's and the query's sentence embeddings (the semantic
    # stage), None where it did not run or did not find the entry.
    similarity: float | None = None

    @property
    def good(self) -> bool:
        """Whether this is a match worth showing as an answer, not only the best of poor ones."""
        return self.coverage >= GOOD_COVERAGE or (self.similarity or 0.0) >= GOOD_SIMILARITY


def idf(count: int, size: int) -> float:
    return math.log(1 + (size - count + 0.5) / (count + 0.5))


def occurrences(words: list[str], unit: Unit) -> int:
    if len(unit) == 1:
        return words.count(unit[0])
    n = len(unit)
    return sum(1 for i in range(len(words) - n + 1) if tuple(words[i : i + n]) == unit)


def longer(words: list[str], start: str) -> int:
    return sum(1 for w in words if w.startswith(start) and w != start)


def rank(
    query: ParsedQuery,
    rows: Sequence[Any],
    counts: dict[Unit, int],
    size: int,
    prefix_counts: dict[str, int] | None = None,
    now: datetime | None = None,
) -> list[Ranked]:
    """Every row (RANKED_COLUMNS) scored and sorted best first; answers whose question is
    among the rows are left out: the question's entry holds them."""
    now = now or datetime.now(UTC)
    prefix_counts = prefix_counts or {}
    weights = {u: idf(counts.get(u, 0), size) for u in query.units}
    for unit in query.any:
        # A word only ever seen as the beginning of longer ones weighs as rare as those are,
        # or a word nobody wrote would make every entry look like a poor match.
        if not counts.get(unit) and prefix_counts.get(unit[0]):
            weights[unit] = idf(prefix_counts[unit[0]], size)
    prefixes = {
        w: PREFIX_WEIGHT * (weights.get((w,)) or idf(n, size)) for w, n in prefix_counts.items()
    }
    split = [(row, row.title_terms.split(), row.terms.split()) for row in rows]
    average = max(sum(len(t) + len(b) for _, t, b in split) / max(len(split), 1), 1.0)
    questions = {row.ref for row in rows if row.kind == "question"}
    ranked = [
        _score(query, row, title, body, weights, prefixes, average, now)
        for row, title, body in split
        if not (row.kind == "answer" and row.parent in questions)
    ]
    ranked.sort(key=lambda r: (-r.score, -r.id))
    return ranked


def _score(
    query: ParsedQuery,
    row: Any,
    title: list[str],
    body: list[str],
    weights: dict[Unit, float],
    prefixes: dict[str, float],
    average: float,
    now: datetime,
) -> Ranked:
    title_weight = TITLE_WEIGHT.get(row.kind, 1.0)
    norm = K1 * (1 - B + B * (len(title) + len(body)) / average)
    bm25 = held = 0.0
    for unit in query.any:
        freq = title_weight * occurrences(title, unit) + occurrences(body, unit)
        weight = weights[unit]
        if not freq and unit[0] in prefixes and len(unit) == 1:
            # Only a longer word of the same beginning: it counts, for less.
            freq = title_weight * longer(title, unit[0]) + longer(body, unit[0])
            weight = prefixes[unit[0]]
        if freq:
            bm25 += weight * freq * (K1 + 1) / (freq + norm)
            held += weight
    total = sum(weights[u] for u in query.any)
    coverage = held / total if total else 1.0
    score = bm25 * coverage * KIND_WEIGHT.get(row.kind, 1.0) * _standing(row, now)
    if not query.any:  # quoted phrases only: every candidate holds them all
        score = KIND_WEIGHT.get(row.kind, 1.0) * _standing(row, now)
    return Ranked(row.id, score, coverage)


def _standing(row: Any, now: datetime) -> float:
    """What the entry is worth besides its words: answered, accepted, voted for, recent."""
    factor = 1.0
    if row.answered and row.kind in ("question", "answer"):
        factor *= ANSWERED_BOOST
    if row.accepted:
        factor *= ACCEPTED_BOOST
    factor *= 1 + VOTE_BOOST * math.log1p(max(int(row.votes or 0), 0))
    at: datetime = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
    age_days = max((now - at).total_seconds() / 86400, 0.0)
    recency: float = 0.5 ** (age_days / RECENCY_HALF_LIFE_DAYS)
    return factor * (1 + RECENCY_BOOST * recency)


def trigrams(text: str) -> set[str]:
    padded = f"  {text} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(a: str, b: str) -> float:
    """Trigram similarity as PostgreSQL's pg_trgm defines it, on one word or a sentence."""
    left = set().union(*(trigrams(w) for w in a.split())) if a.split() else set()
    right = set().union(*(trigrams(w) for w in b.split())) if b.split() else set()
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def fuse(lexical: Sequence[Ranked], semantic: Sequence[tuple[int, float]]) -> list[Ranked]:
    """The lexical ranking and the semantic neighbours (id, similarity; best first) in one
    order by reciprocal rank fusion: an entry both find comes first, and one found by either
    alone still ranks. Ranks, not scores, are combined, so neither scale has to be matched
    to the other."""
    if not semantic:
        return list(lexical)
    similar = dict(semantic)
    fused: dict[int, float] = {}
    coverage: dict[int, float] = {}
    for place, r in enumerate(lexical, start=1):
        fused[r.id] = 1.0 / (FUSION_K + place)
        coverage[r.id] = r.coverage
    for place, (id, _) in enumerate(semantic, start=1):
        fused[id] = fused.get(id, 0.0) + 1.0 / (FUSION_K + place)
    ranked = [
        Ranked(id, score, coverage.get(id, 0.0), similar.get(id)) for id, score in fused.items()
    ]
    ranked.sort(key=lambda r: (-r.score, -r.id))
    return ranked
