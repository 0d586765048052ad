"""Rebuilding the index terms of every entry, after the way terms are made changed (a new
stemming language, migration 0005). Synchronous, on one connection: migrations run it as they
are, and `salon db reindex` through ``run_sync``. Every row is rewritten in batches; the
full-text index follows through its trigger (SQLite) or its generated column (PostgreSQL)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Connection, Table, select, update
from sqlalchemy.ext.asyncio import create_async_engine

from salon.search.text import PART_BREAK, index_terms, use_language
from salon.store.models import Answer, Question, QuestionVote, SearchEntry

BATCH = 2000
entries = cast(Table, SearchEntry.__table__)


def reindex(conn: Connection) -> int:
    """Rewrite every entry's terms (and a question entry's answers); returns how many."""
    last, done = 0, 0
    while True:
        rows = conn.execute(
            select(entries.c.id, entries.c.kind, entries.c.ref, entries.c.title, entries.c.body)
            .where(entries.c.id > last)
            .order_by(entries.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return done
        for row in rows:
            conn.execute(update(entries).where(entries.c.id == row.id).values(**_fields(conn, row)))
        last, done = rows[-1].id, done + len(rows)


def _fields(conn: Connection, row: Any) -> dict[str, Any]:
    if row.kind == "question":
        return _question(conn, int(row.ref))
    if row.kind == "answer":
        return _answer(conn, int(row.ref)) | {"terms": index_terms(row.body)}
    return {"title_terms": index_terms(row.title), "terms": index_terms(row.body)}


def _question(conn: Connection, question_id: int) -> dict[str, Any]:
    q = conn.execute(
        select(Question.body, Question.accepted_answer_id).where(Question.id == question_id)
    ).one()
    answers = conn.execute(
        select(Answer.id, Answer.body).where(Answer.question_id == question_id).order_by(Answer.id)
    ).all()
    ordered = sorted(answers, key=lambda a: (a.id != q.accepted_answer_id, a.id))
    return {
        "title": q.body,
        "body": PART_BREAK.join(a.body for a in ordered),
        "title_terms": index_terms(q.body),
        "terms": index_terms(" ".join(a.body for a in ordered)),
        "accepted": q.accepted_answer_id is not None,
        "votes": _votes(conn, question_id),
    }


def _answer(conn: Connection, answer_id: int) -> dict[str, Any]:
    a = conn.execute(
        select(Answer.question_id, Question.body, Question.accepted_answer_id)
        .join(Question, Question.id == Answer.question_id)
        .where(Answer.id == answer_id)
    ).one()
    return {
        "title_terms": index_terms(a.body),
        "parent": str(a.question_id),
        "accepted": a.accepted_answer_id == answer_id,
        "votes": _votes(conn, a.question_id),
    }


def _votes(conn: Connection, question_id: int) -> int:
    count = select(QuestionVote.user_id).where(QuestionVote.question_id == question_id)
    return len(conn.execute(count).all())


async def reindex_archive(url: str, language: str) -> int:
    """`salon db reindex`: every entry again, in ``language``, in one transaction."""
    use_language(language)
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            return await conn.run_sync(reindex)
    finally:
        await engine.dispose()
