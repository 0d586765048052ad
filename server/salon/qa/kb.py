"""Knowledge base pages: per room and per tag, the best answered questions (settled ones
first: a canonical pin or an accepted answer; then votes; then the newest), each with its
answer, the expert, the date and the replay moment. An expert or host pins an answer as
canonical and keeps a short summary; every summary edit is kept and attributed. A page
exports as Markdown for a wiki.

Only answered public questions of rooms the reader may see are listed; an anonymous asker
stays unnamed, as everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator
from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.core.auth import Identity
from salon.core.errors import SalonError, not_found
from salon.core.payloads import Id, Payload
from salon.qa import repository as repo
from salon.qa.suggest import settling
from salon.qa.view import QuestionId
from salon.rooms.service import RoomService
from salon.search.repository import visible_rooms
from salon.store.db import Database
from salon.store.models import ANSWERED, OPEN, KbSummary, Question, QuestionVote, SessionRecord
from salon.store.users import names_of

PAGE = 20
EXPORT_LIMIT = 1000
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
SummaryBody = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class KbQuery(Payload):
    room_id: Id | None = None
    tag: Tag | None = None
    offset: Annotated[int, Field(ge=0, le=100_000)] = 0
    limit: Annotated[int, Field(ge=1, le=100)] = PAGE

    @model_validator(mode="after")
    def _one_page(self) -> KbQuery:
        if (self.room_id is None) == (self.tag is None):
            raise ValueError("give either room_id or tag")
        return self


class Canonical(Payload):
    question_id: QuestionId
    answer_id: QuestionId | None = None


class Summary(Payload):
    question_id: QuestionId
    body: SummaryBody


class SummaryHistory(Payload):
    question_id: QuestionId


def _votes() -> Any:
    return (
        select(func.count())
        .where(QuestionVote.question_id == Question.id)
        .correlate(Question)
        .scalar_subquery()
    )


class KnowledgeService:
    def __init__(self, db: Database, rooms: RoomService) -> None:
        self._db = db
        self._rooms = rooms

    async def page(self, who: Identity, p: KbQuery) -> dict[str, Any]:
        where = await self._scope(who, p)
        settled = or_(
            Question.canonical_answer_id.is_not(None), Question.accepted_answer_id.is_not(None)
        )
        order = (
            case((settled, 0), else_=1),
            _votes().desc(),
            Question.answered_at.desc(),
            Question.id.desc(),
        )
        async with self._db.read() as s:
            total = int(
                await s.scalar(_scoped(select(func.count()).select_from(Question), where)) or 0
            )
            found = await s.scalars(
                _scoped(select(Question), where).order_by(*order).offset(p.offset).limit(p.limit)
            )
            items = await _items(s, found.all())
        return {"items": items, "total": total, "offset": p.offset, "limit": p.limit}

    async def export(self, who: Identity, p: KbQuery) -> str:
        """The whole page (up to EXPORT_LIMIT questions) as Markdown."""
        page = await self.page(who, KbQuery(room_id=p.room_id, tag=p.tag, limit=100))
        items = list(page["items"])
        while len(items) < min(page["total"], EXPORT_LIMIT):
            more = await self.page(
                who, KbQuery(room_id=p.room_id, tag=p.tag, offset=len(items), limit=100)
            )
            if not more["items"]:
                break
            items += more["items"]
        title = f"room {p.room_id}" if p.room_id else f"tag “{p.tag}”"
        return markdown(f"Knowledge base: {title}", items)

    async def set_canonical(
        self, who: Identity, question_id: int, answer_id: int | None
    ) -> dict[str, Any]:
        async with self._db.unit() as s:
            q = await self._editable(s, who, question_id, "pinning a canonical answer")
            if answer_id is not None:
                a = await repo.get_answer(s, answer_id)
                if a is None or a.question_id != q.id:
                    raise not_found("answer")
            q.canonical_answer_id = answer_id
            await s.flush()
            return (await _items(s, [q]))[0]

    async def summarize(self, who: Identity, question_id: int, body: str) -> dict[str, Any]:
        """A new summary text (empty clears it); the earlier ones stay in the history."""
        async with self._db.unit() as s:
            q = await self._editable(s, who, question_id, "editing a summary")
            s.add(KbSummary(question_id=q.id, author_id=who.user_id, body=body))
            await s.flush()
            return (await _items(s, [q]))[0]

    async def history(self, who: Identity, question_id: int) -> list[dict[str, Any]]:
        async with self._db.read() as s:
            q = await repo.get_question(s, question_id)
            if q is None:
                raise not_found("question")
            await self._rooms.require(q.room_id, who, "viewer", "reading the knowledge base")
            if q.status != ANSWERED:
                raise not_found("question")
            rows = (
                await s.scalars(
                    select(KbSummary)
                    .where(KbSummary.question_id == q.id)
                    .order_by(KbSummary.id.desc())
                )
            ).all()
            names = await names_of(s, {r.author_id for r in rows})
        return [_summary_dict(r, names) for r in rows]

    async def _scope(self, who: Identity, p: KbQuery) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = [
            Question.status == ANSWERED,
            Question.room_id.in_(visible_rooms(who.user_id)),
        ]
        if p.room_id is not None:
            await self._rooms.require(p.room_id, who, "viewer", "reading the knowledge base")
            where.append(Question.room_id == p.room_id)
        else:
            tag = (p.tag or "").casefold()
            where.append(or_(Question.tag == tag, repo.tagged(SessionRecord.tags, tag)))
        return where

    async def _editable(
        self, s: AsyncSession, who: Identity, question_id: int, what: str
    ) -> Question:
        q = await repo.get_question(s, question_id)
        if q is None:
            raise not_found("question")
        await self._rooms.require(q.room_id, who, "expert", what)
        if q.status == OPEN:
            raise SalonError("conflict", "only answered questions are in the knowledge base")
        if q.status != ANSWERED:
            raise not_found("question")
        return q


def _scoped(stmt: Any, where: Sequence[ColumnElement[bool]]) -> Any:
    joined = stmt.join(SessionRecord, SessionRecord.id == Question.session_id, isouter=True)
    return joined.where(*where)


async def _items(s: AsyncSession, questions: Sequence[Question]) -> list[dict[str, Any]]:
    ids = [q.id for q in questions]
    answers = await repo.answers_for(s, ids)
    votes = await repo.vote_counts(s, ids)
    chosen = {q.id: settling(q, answers.get(q.id, [])) for q in questions}
    helps = await repo.help_counts(s, [a.id for a in chosen.values() if a is not None])
    summaries = await _latest_summaries(s, ids)
    sessions = {
        rec.id: rec
        for rec in await s.scalars(
            select(SessionRecord).where(
                SessionRecord.id.in_({q.session_id for q in questions if q.session_id})
            )
        )
    }
    people = {q.asker_id for q in questions if not q.anonymous}
    people |= {a.author_id for a in chosen.values() if a is not None}
    people |= {m.author_id for m in summaries.values()}
    names = await names_of(s, people)
    return [
        _item(
            q,
            chosen[q.id],
            votes,
            helps,
            summaries.get(q.id),
            sessions.get(q.session_id or ""),
            names,
        )
        for q in questions
    ]


async def _latest_summaries(s: AsyncSession, ids: Sequence[int]) -> dict[int, KbSummary]:
    if not ids:
        return {}
    newest = (
        select(func.max(KbSummary.id))
        .where(KbSummary.question_id.in_(ids))
        .group_by(KbSummary.question_id)
    )
    rows = await s.scalars(select(KbSummary).where(KbSummary.id.in_(newest)))
    return {r.question_id: r for r in rows if r.body}


def _person(user_id: str, names: dict[str, str]) -> dict[str, str]:
    return {"user_id": user_id, "name": names.get(user_id, user_id)}


def _summary_dict(r: KbSummary, names: dict[str, str]) -> dict[str, Any]:
    return {"body": r.body, "author": _person(r.author_id, names), "at": r.created_at.isoformat()}


def _item(
    q: Question,
    answer: Any,
    votes: dict[int, int],
    helps: dict[int, int],
    summary: KbSummary | None,
    rec: SessionRecord | None,
    names: dict[str, str],
) -> dict[str, Any]:
    replay = None
    if rec is not None:
        moment = answer.seq if answer is not None and answer.seq else q.answered_seq
        at = answer.created_at if answer is not None else q.answered_at
        offset_ms = None
        if rec.started_at is not None and at is not None:
            offset_ms = max(0, int((at - rec.started_at).total_seconds() * 1000))
        replay = {"session_id": rec.id, "seq": moment, "offset_ms": offset_ms}
    return {
        "question_id": q.id,
        "question": q.body,
        "room_id": q.room_id,
        "tag": q.tag,
        "session_id": q.session_id,
        "session_title": rec.title if rec is not None else None,
        "asker": None if q.anonymous else _person(q.asker_id, names),
        "votes": votes.get(q.id, 0),
        "answered_at": q.answered_at.isoformat() if q.answered_at else None,
        "answer": None
        if answer is None
        else {
            "id": answer.id,
            "body": answer.body,
            "accepted": answer.id == q.accepted_answer_id,
            "canonical": answer.id == q.canonical_answer_id,
            "created_at": answer.created_at.isoformat(),
            "helped": helps.get(answer.id, 0),
        },
        "expert": None if answer is None else _person(answer.author_id, names),
        "summary": None if summary is None else _summary_dict(summary, names),
        "replay": replay,
    }


def markdown(title: str, items: Sequence[dict[str, Any]]) -> str:
    lines = [f"# {title}", ""]
    for item in items:
        lines += [f"## {_one_line(item['question'])}", ""]
        if item["summary"]:
            lines += [f"> {_one_line(item['summary']['body'])}", ""]
        if item["answer"]:
            mark = (
                " (canonical)"
                if item["answer"]["canonical"]
                else (" (accepted)" if item["answer"]["accepted"] else "")
            )
            lines += [item["answer"]["body"].strip(), ""]
            lines += [f"— {item['expert']['name']}{mark}, {(item['answered_at'] or '')[:10]}"]
        if item["replay"]:
            r = item["replay"]
            lines += ["", f"Replay: /replay/{r['session_id']}?seq={r['seq']}"]
        lines += [f"Votes: {item['votes']}", ""]
    return "\n".join(lines).rstrip() + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())
