"""Q&A payloads and how questions are rendered. The full rendering names the asker; it goes
only to hosts and the asker. Everyone else gets ``timeline.redact_question`` of it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints
from sqlalchemy.ext.asyncio import AsyncSession

from salon.core.payloads import Id, Payload
from salon.qa import repository as repo
from salon.store.models import Answer, Question
from salon.store.users import names_of

QuestionId = Annotated[int, Field(ge=1)]
QuestionBody = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)
]
AnswerBody = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)
]


class Ask(Payload):
    room_id: Id
    body: QuestionBody
    anonymous: bool = False
    # Ask anytime: also addressed to a tag's queue and to a named expert.
    tag: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] | None
    ) = None
    expert: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None


class QuestionEdit(Payload):
    question_id: QuestionId
    body: QuestionBody


class QuestionRef(Payload):
    question_id: QuestionId


class Vote(Payload):
    question_id: QuestionId
    on: bool = True


class Dismiss(Payload):
    question_id: QuestionId
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class Pin(Payload):
    question_id: QuestionId
    on: bool = True


class Merge(Payload):
    question_id: QuestionId
    into: QuestionId


class AnswerCreate(Payload):
    question_id: QuestionId
    body: AnswerBody


class AnswerEdit(Payload):
    answer_id: QuestionId
    body: AnswerBody


class MarkAnswered(Payload):
    question_id: QuestionId
    answered: bool = True


class Accept(Payload):
    question_id: QuestionId
    answer_id: QuestionId | None = None


class QuestionList(Payload):
    session_id: Id
    sort: Literal["votes", "recent"] = "votes"


class AppendToNotes(Payload):
    session_id: Id
    question_ids: Annotated[list[QuestionId], Field(max_length=200)] | None = None
    doc: Annotated[str, StringConstraints(min_length=1, max_length=200)] = "notes"


def _stamp(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def answer_dict(a: Answer, names: dict[str, str], accepted: int | None) -> dict[str, Any]:
    return {
        "id": a.id,
        "question_id": a.question_id,
        "author": {"user_id": a.author_id, "name": names.get(a.author_id, a.author_id)},
        "body": a.body,
        "created_at": _stamp(a.created_at),
        "edited_at": _stamp(a.edited_at),
        "accepted": a.id == accepted,
        "seq": a.seq,
    }


def question_dict(
    q: Question, votes: int, answers: Sequence[Answer], names: dict[str, str]
) -> dict[str, Any]:
    return {
        "id": q.id,
        "session_id": q.session_id,
        "room_id": q.room_id,
        "queued": q.session_id is None,
        "tag": q.tag,
        "expert_id": q.expert_id,
        "body": q.body,
        "status": q.status,
        "anonymous": q.anonymous,
        "asker": {"user_id": q.asker_id, "name": names.get(q.asker_id, q.asker_id)},
        "pinned": q.pinned,
        "votes": votes,
        "answers": [answer_dict(a, names, q.accepted_answer_id) for a in answers],
        "accepted_answer_id": q.accepted_answer_id,
        "canonical_answer_id": q.canonical_answer_id,
        "merged_into": q.merged_into,
        "dismiss_reason": q.dismiss_reason,
        "created_at": _stamp(q.created_at),
        "edited_at": _stamp(q.edited_at),
        "answered_at": _stamp(q.answered_at),
        "asked_seq": q.asked_seq,
        "answered_seq": q.answered_seq,
        "seq": q.last_seq,
    }


async def render(session: AsyncSession, questions: Sequence[Question]) -> list[dict[str, Any]]:
    """Full renderings (asker named) of ``questions``, with votes and answers."""
    ids = [q.id for q in questions]
    votes = await repo.vote_counts(session, ids)
    answers = await repo.answers_for(session, ids)
    people = {q.asker_id for q in questions}
    people |= {a.author_id for group in answers.values() for a in group}
    names = await names_of(session, people)
    return [question_dict(q, votes.get(q.id, 0), answers.get(q.id, []), names) for q in questions]


def sort_questions(questions: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """Pinned first; then most votes (oldest first among equals) or newest first."""
    if sort == "recent":
        return sorted(questions, key=lambda q: (not q["pinned"], -q["id"]))
    return sorted(questions, key=lambda q: (not q["pinned"], -q["votes"], q["id"]))


def notes_text(q: dict[str, Any]) -> str:
    """A question and its (accepted, else every) answer as a paragraph for the notes."""
    answers = [a for a in q["answers"] if a["accepted"]] or q["answers"]
    lines = [f"Q: {q['body']}"]
    lines += [f"A ({a['author']['name']}): {a['body']}" for a in answers]
    return "\n".join(lines) + "\n"
