"""Q&A repository calls: questions, answers, votes, answer rows for recognition. Functions
take a session and never commit."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    cast,
    delete,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from salon.store.models import (
    PUBLIC_STATUSES,
    Answer,
    AnswerHelp,
    Question,
    QuestionVote,
    SessionRecord,
)


async def get_question(session: AsyncSession, question_id: int) -> Question | None:
    return await session.get(Question, question_id)


async def get_answer(session: AsyncSession, answer_id: int) -> Answer | None:
    return await session.get(Answer, answer_id)


async def questions_of(session: AsyncSession, session_id: str) -> Sequence[Question]:
    rows = await session.scalars(
        select(Question).where(Question.session_id == session_id).order_by(Question.id)
    )
    return rows.all()


async def answers_for(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[Answer]]:
    if not ids:
        return {}
    rows = await session.scalars(
        select(Answer).where(Answer.question_id.in_(ids)).order_by(Answer.id)
    )
    result: dict[int, list[Answer]] = {}
    for answer in rows:
        result.setdefault(answer.question_id, []).append(answer)
    return result


async def vote_counts(session: AsyncSession, ids: Sequence[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = await session.execute(
        select(QuestionVote.question_id, func.count())
        .where(QuestionVote.question_id.in_(ids))
        .group_by(QuestionVote.question_id)
    )
    return {qid: int(n) for qid, n in rows}


async def help_counts(session: AsyncSession, answer_ids: Sequence[int]) -> dict[int, int]:
    if not answer_ids:
        return {}
    rows = await session.execute(
        select(AnswerHelp.answer_id, func.count())
        .where(AnswerHelp.answer_id.in_(answer_ids))
        .group_by(AnswerHelp.answer_id)
    )
    return {aid: int(n) for aid, n in rows}


async def voted_by(session: AsyncSession, ids: Sequence[int], user_id: str) -> set[int]:
    if not ids:
        return set()
    rows = await session.scalars(
        select(QuestionVote.question_id).where(
            QuestionVote.question_id.in_(ids), QuestionVote.user_id == user_id
        )
    )
    return set(rows.all())


async def move_votes(session: AsyncSession, source: int, target: int) -> None:
    """Votes of a duplicate go to the original; someone who voted for both counts once."""
    already = select(QuestionVote.user_id).where(QuestionVote.question_id == target)
    movers = await session.scalars(
        select(QuestionVote.user_id).where(
            QuestionVote.question_id == source, QuestionVote.user_id.not_in(already)
        )
    )
    for user_id in movers.all():
        session.add(QuestionVote(question_id=target, user_id=user_id))
    await session.execute(delete(QuestionVote).where(QuestionVote.question_id == source))
    await session.flush()


async def remove_vote(session: AsyncSession, question_id: int, user_id: str) -> None:
    await session.execute(
        delete(QuestionVote).where(
            QuestionVote.question_id == question_id, QuestionVote.user_id == user_id
        )
    )


async def answer_rows(
    session: AsyncSession,
    rooms: Select[Any],
    author: str | None = None,
    room: str | None = None,
    tag: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[AnswerRow]:
    """Answers on public questions in ``rooms``, with what recognition needs to count them."""
    stmt = (
        select(
            Answer.author_id,
            Answer.id,
            Answer.question_id,
            Question.accepted_answer_id,
            Question.body,
            SessionRecord.id,
            SessionRecord.tags,
            Question.tag,
        )
        .join(Question, Question.id == Answer.question_id)
        # Outer: answers given to a room's open queue, outside any session, count too.
        .join(SessionRecord, SessionRecord.id == Question.session_id, isouter=True)
        .where(Question.room_id.in_(rooms), Question.status.in_(PUBLIC_STATUSES))
    )
    if author is not None:
        stmt = stmt.where(Answer.author_id == author)
    if room is not None:
        stmt = stmt.where(Question.room_id == room)
    if tag is not None:
        stmt = stmt.where(or_(tagged(SessionRecord.tags, tag), Question.tag == tag.casefold()))
    if since is not None:
        stmt = stmt.where(Answer.created_at >= since)
    if until is not None:
        stmt = stmt.where(Answer.created_at <= until)
    rows = await session.execute(stmt.order_by(Answer.id))
    return [
        AnswerRow(author, aid, qid, accepted, body, sid, [*(tags or []), *([qtag] if qtag else [])])
        for author, aid, qid, accepted, body, sid, tags, qtag in rows
    ]


def tagged(column: Any, tag: str) -> ColumnElement[bool]:
    """``tag`` is in a JSON list column, on both backends. The list is stored as JSON text
    (non-ASCII escaped as \\uXXXX), so the pattern is the tag serialised the same way."""
    quoted = json.dumps(tag).lower()
    escaped = quoted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    found: ColumnElement[bool] = func.lower(cast(column, String)).like(f"%{escaped}%", escape="\\")
    return found


@dataclass(frozen=True, slots=True)
class AnswerRow:
    author_id: str
    answer_id: int
    question_id: int
    accepted_answer_id: int | None
    question_body: str
    session_id: str | None
    session_tags: list[str]

    @property
    def accepted(self) -> bool:
        return self.accepted_answer_id == self.answer_id
