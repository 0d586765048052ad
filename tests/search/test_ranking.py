"""The ranking on its own, over rows as the repository reads them: no database needed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from salon.search.ranking import rank, similarity
from salon.search.text import index_terms, parse_query

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def row(id: int, kind: str, title: str, body: str, **extra: Any) -> SimpleNamespace:
    fields = {"ref": str(id), "parent": None, "at": NOW, "answered": False, "accepted": False}
    fields |= {"votes": 0} | extra
    return SimpleNamespace(
        id=id, kind=kind, title_terms=index_terms(title), terms=index_terms(body), **fields
    )


def order(q: str, rows: list[SimpleNamespace]) -> list[int]:
    query = parse_query(q)
    counts = {
        u: sum(1 for r in rows if u[0] in (r.title_terms + " " + r.terms).split())
        for u in query.units
    }
    return [r.id for r in rank(query, rows, counts, size=1000, now=NOW)]


def test_recency_breaks_ties_between_equal_answers() -> None:
    old = row(1, "question", "rotate keys", "key tool", answered=True, at=NOW - timedelta(days=900))
    new = row(2, "question", "rotate keys", "key tool", answered=True)
    assert order("rotate keys", [old, new]) == [2, 1]


def test_chat_ranks_first_only_when_clearly_the_better_match() -> None:
    qa = row(1, "question", "How do we rotate certificates?", "certctl", answered=True)
    weak_chat = row(2, "chat", "", "rotate certificates")
    assert order("rotate certificates", [qa, weak_chat]) == [1, 2]
    strong_chat = row(3, "chat", "", "bastion vault ingress rotate certificates")
    assert order("bastion vault ingress rotate certificates", [qa, strong_chat]) == [3, 1]


def test_an_answer_is_folded_into_its_question() -> None:
    question = row(1, "question", "rotate keys?", "key tool", answered=True)
    answer = row(2, "answer", "rotate keys?", "key tool", answered=True, parent="1")
    lone = row(3, "answer", "other?", "key tool", answered=True, parent="99")
    assert order("key tool", [question, answer, lone]) == [1, 3]


def test_trigram_similarity_tolerates_typos() -> None:
    assert similarity("certifcate", "certificate") > 0.5
    assert similarity("certifcate", "lunch menu") == 0.0
