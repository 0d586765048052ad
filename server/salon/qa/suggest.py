""" "Already answered?": while someone types a question, up to five similar answered questions
they may see, each with its settling answer's snippet and the replay moment; "this answered
it" (one per person and answer), which counts toward the answer's recognition; and, for
moderators, merge proposals when a new question resembles an open or answered one of the
same session or queue.

Ranking is the archive search's (``SearchService.similar_questions``: same index terms, same
signals, accepted answers and votes favoured). Only public questions are in that index and
only rooms the reader may see are searched, so dismissed, pending and private questions
never appear.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import StringConstraints
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from salon.core.auth import Identity
from salon.core.errors import SalonError, not_found
from salon.core.notifier import Notifier
from salon.core.payloads import Id, Payload
from salon.qa import repository as repo
from salon.qa.view import QuestionId
from salon.rooms import repository as rooms_repo
from salon.rooms.service import RoomService, at_least
from salon.search.service import SearchService
from salon.search.text import snippet
from salon.store.db import Database
from salon.store.models import PUBLIC_STATUSES, Answer, AnswerHelp, Question
from salon.store.users import names_of

SNIPPET_WORDS = frozenset[str]()
DUPLICATES = 3
EVENT_DUPLICATE = "qa:duplicate"


class Suggest(Payload):
    text: Annotated[str, StringConstraints(max_length=2000)]
    room_id: Id | None = None
    tag: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] | None
    ) = None


class Helped(Payload):
    answer_id: QuestionId


def settling(q: Question, answers: Sequence[Answer]) -> Answer | None:
    """The answer that settles a question: the canonical pin, else the accepted one, else the
    first."""
    by_id = {a.id: a for a in answers}
    for chosen in (q.canonical_answer_id, q.accepted_answer_id):
        if chosen in by_id:
            return by_id[chosen]
    return answers[0] if answers else None


class SuggestService:
    def __init__(
        self, db: Database, rooms: RoomService, search: SearchService, notifier: Notifier
    ) -> None:
        self._db = db
        self._rooms = rooms
        self._search = search
        self._notifier = notifier

    async def suggest(self, who: Identity, p: Suggest) -> list[dict[str, Any]]:
        if p.room_id is not None:
            await self._rooms.require(p.room_id, who, "viewer", "reading questions")
        hits = await self._search.typed_suggestions(who, p.text, p.room_id, p.tag)
        ids = [int(h["id"]) for h in hits]
        async with self._db.read() as s:
            found = {q.id: q for q in await s.scalars(select(Question).where(Question.id.in_(ids)))}
            answers = await repo.answers_for(s, ids)
            chosen = {qid: settling(q, answers.get(qid, [])) for qid, q in found.items()}
            helps = await repo.help_counts(s, [a.id for a in chosen.values() if a is not None])
            names = await names_of(s, {a.author_id for a in chosen.values() if a is not None})
        shown = []
        for hit in hits:
            q = found.get(int(hit["id"]))
            if q is None or q.status not in PUBLIC_STATUSES:
                continue  # the index is behind a redaction that just committed
            shown.append(_suggestion(hit, q, chosen[q.id], helps, names))
        return shown

    async def helped(self, who: Identity, answer_id: int) -> dict[str, Any]:
        """ "This answered it": once per person and answer; asking again changes nothing."""
        async with self._db.read() as s:
            answer = await repo.get_answer(s, answer_id)
            q = await repo.get_question(s, answer.question_id) if answer else None
        if answer is None or q is None:
            raise not_found("answer")
        await self._rooms.require(q.room_id, who, "viewer", "reading questions")
        if q.status not in PUBLIC_STATUSES:
            raise not_found("answer")
        added = True
        try:
            async with self._db.unit() as s:
                if await s.get(AnswerHelp, (answer_id, who.user_id)) is None:
                    s.add(AnswerHelp(answer_id=answer_id, user_id=who.user_id, question_id=q.id))
                else:
                    added = False
        except IntegrityError:
            added = False  # the same person's other click got there first
        async with self._db.read() as s:
            count = (await repo.help_counts(s, [answer_id])).get(answer_id, 0)
        return {"answer_id": answer_id, "question_id": q.id, "helped": count, "added": added}

    async def propose_merges(self, who: Identity, question: dict[str, Any]) -> None:
        """Tell the room's hosts and experts when a new question resembles an open or answered
        one of the same session (or the same queue): the moderation view offers ``qa:merge``."""
        try:
            hits = await self._search.typed_suggestions(
                who, question["body"], question["room_id"], answered=False, limit=DUPLICATES + 1
            )
        except SalonError:
            return
        same = [
            h
            for h in hits
            if h["session_id"] == question["session_id"] and int(h["id"]) != question["id"]
        ][:DUPLICATES]
        if not same:
            return
        async with self._db.read() as s:
            members = await rooms_repo.list_members(s, question["room_id"])
        proposal = {
            "question": question,
            "candidates": [
                {
                    "question_id": int(h["id"]),
                    "body": h["title"],
                    "answered": h["answered"],
                    "votes": h["votes"],
                    "score": h["score"],
                }
                for h in same
            ],
        }
        for m in members:
            if at_least(m.role, "expert"):
                shown = proposal if at_least(m.role, "host") else _unnamed(proposal)
                await self._notifier.user_event(m.user_id, EVENT_DUPLICATE, shown)


def _unnamed(proposal: dict[str, Any]) -> dict[str, Any]:
    q = dict(proposal["question"])
    if q.get("anonymous"):
        q["asker"] = None
    q.pop("dismiss_reason", None)
    return proposal | {"question": q}


def _suggestion(
    hit: dict[str, Any],
    q: Question,
    answer: Answer | None,
    helps: dict[int, int],
    names: dict[str, str],
) -> dict[str, Any]:
    shown_answer = None
    if answer is not None:
        cut = snippet(answer.body, SNIPPET_WORDS)
        shown_answer = {
            "id": answer.id,
            "snippet": cut.text,
            "author": {
                "user_id": answer.author_id,
                "name": names.get(answer.author_id, answer.author_id),
            },
            "accepted": answer.id == q.accepted_answer_id,
            "canonical": answer.id == q.canonical_answer_id,
            "helped": helps.get(answer.id, 0),
        }
    return {
        "question_id": q.id,
        "body": q.body,
        "room_id": q.room_id,
        "session_id": q.session_id,
        "session_title": hit["session_title"],
        "votes": hit["votes"],
        "accepted": hit["accepted"],
        "answer": shown_answer,
        "link": hit["link"],
        "score": hit["score"],
    }
