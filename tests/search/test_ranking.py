"""The ranking on its own, over rows as the repository reads them: no database needed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from salon.search.ranking import Ranked, fuse, rank, similarity
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


def test_the_entry_holding_the_negation_ranks_first() -> None:
    works = row(1, "question", "Why is the deploy working on staging?", "luck", answered=True)
    broken = row(2, "question", "Why is the deploy not working on staging?", "a bad image")
    assert order("why is the deploy not working on staging", [works, broken]) == [2, 1]


def test_fusion_puts_what_both_stages_find_first_and_keeps_either_alone() -> None:
    lexical = [Ranked(1, 9.0, 1.0), Ranked(2, 5.0, 0.6), Ranked(3, 1.0, 0.2)]
    fused = fuse(lexical, [(3, 0.8), (4, 0.6)])
    assert [r.id for r in fused][:2] == [3, 1]  # found by both, then lexical first
    assert {r.id for r in fused} == {1, 2, 3, 4}
    by_id = {r.id: r for r in fused}
    assert by_id[4].coverage == 0.0 and by_id[4].similarity == 0.6 and by_id[4].good
    assert by_id[2].similarity is None and by_id[2].good  # coverage 0.6
    assert not Ranked(5, 1.0, 0.2, 0.4).good and Ranked(6, 1.0, 0.2, 0.45).good
    assert fuse(lexical, []) == lexical
