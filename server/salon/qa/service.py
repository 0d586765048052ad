"""Expert Q&A: ask (optionally anonymously), vote once, moderate, answer, accept.

Visibility is the rule every path keeps: questions that are pending or dismissed are seen by
hosts and their asker only, and an anonymous asker is named to hosts (and themselves) only.
So each change goes out twice: a redacted ``qa:question`` to the room when the question is
public, and the full ``qa:question:private`` to each host and the asker.
"""

from __future__ import annotations

import logging
import unicodedata
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from salon.core.admission import RateLimiter
from salon.core.auth import Identity
from salon.core.errors import SalonError, forbidden, not_found
from salon.core.notifier import Notifier
from salon.network.activity import Activity
from salon.qa import queue
from salon.qa import repository as repo
from salon.qa.notifications import NotificationService
from salon.qa.record import Change, Mutation, Publisher, about, archive, archive_other
from salon.qa.suggest import SuggestService
from salon.qa.view import notes_text, render, sort_questions
from salon.rooms.service import RoomService, at_least
from salon.sessions import repository as sessions_repo
from salon.sessions.service import DocumentsPort
from salon.sessions.timeline import redact_question
from salon.store.db import Database
from salon.store.models import (
    ANSWERED,
    DISMISSED,
    MERGED,
    OPEN,
    PENDING,
    PUBLIC_STATUSES,
    WITHDRAWN,
    Answer,
    Question,
    QuestionVote,
    SessionRecord,
    utcnow,
)

log = logging.getLogger("salon.qa")


def _clean(body: str) -> str:
    return unicodedata.normalize("NFC", body).strip()


class QAService:
    def __init__(
        self,
        db: Database,
        rooms: RoomService,
        notifier: Notifier,
        notifications: NotificationService,
        documents: DocumentsPort,
        limiter: RateLimiter,
        activity: Activity,
        suggest: SuggestService,
    ) -> None:
        self._db = db
        self._activity = activity
        self._rooms = rooms
        self._notifier = notifier
        self._notifications = notifications
        self._documents = documents
        self._publisher = Publisher(db, notifier)
        self._limiter = limiter
        self._suggest = suggest

    # -- asking -----------------------------------------------------------------------------

    async def ask(
        self,
        who: Identity,
        room_id: str,
        body: str,
        anonymous: bool,
        tag: str | None = None,
        expert: str | None = None,
    ) -> dict[str, Any]:
        """During a live session the question joins it; otherwise it waits in the room's
        open queue (and ``tag``'s), and its experts (and ``expert``) are told."""
        role = await self._rooms.require(room_id, who, "participant", "asking questions")
        await self._limiter.spend((room_id, who.user_id))
        async with self._db.unit() as s:
            rec = await sessions_repo.live_in(s, room_id)
            if expert is not None and not await queue.sees_room(s, expert, room_id):
                raise SalonError("bad_request", "that expert cannot see this room")
            seq = await sessions_repo.next_seq(s, rec.id) if rec is not None else 1
            q = Question(
                session_id=rec.id if rec is not None else None,
                room_id=room_id,
                tag=tag.casefold() if tag else None,
                expert_id=expert,
                asker_id=who.user_id,
                anonymous=anonymous,
                body=_clean(body),
                status=PENDING if rec is not None and rec.moderated else OPEN,
                asked_seq=seq if rec is not None else 0,
            )
            s.add(q)
            await s.flush()
            change = Change(who, role, rec, seq)
            full = await archive(s, q, change, "qa.ask")
            change.notes = await queue.tell_experts(self._notifications, s, q, rec is None)
        await self._notifications.push(change.notes)
        await self._publisher.publish(full, was_public=False)
        try:
            await self._suggest.propose_merges(who, full)
        except Exception:  # the question is committed and announced; proposals are a help
            log.exception("merge proposals for question %s failed", q.id)
        return redact_question(full, who.user_id, change.is_host)

    async def edit(self, who: Identity, question_id: int, body: str) -> dict[str, Any]:
        async def mutate(s: AsyncSession, q: Question, c: Change) -> None:
            await self._own_unanswered(s, q, c, "editing")
            q.body, q.edited_at = _clean(body), utcnow()

        return await self._apply(who, question_id, "viewer", "qa.edit", mutate)

    async def withdraw(self, who: Identity, question_id: int) -> dict[str, Any]:
        async def mutate(s: AsyncSession, q: Question, c: Change) -> None:
            await self._own_unanswered(s, q, c, "withdrawing")
            q.status = WITHDRAWN

        return await self._apply(who, question_id, "viewer", "qa.withdraw", mutate)

    async def _own_unanswered(self, s: AsyncSession, q: Question, c: Change, what: str) -> None:
        if q.asker_id != c.who.user_id:
            raise forbidden(f"{what} someone else's question")
        answers = (await repo.answers_for(s, [q.id])).get(q.id, [])
        if q.status not in (PENDING, OPEN) or answers:
            raise SalonError("conflict", f"only unanswered questions allow {what}")

    # -- votes ------------------------------------------------------------------------------

    async def vote(self, who: Identity, question_id: int, on: bool) -> dict[str, Any]:
        """Idempotent: a second vote (or concurrent clicks) by one person counts once, and
        only a vote that changed something is recorded and announced."""
        q = await self._visible_question(who, question_id)
        if q.status not in PUBLIC_STATUSES:
            raise SalonError("conflict", "only open questions take votes")
        role = await self._rooms.require(q.room_id, who, "participant", "voting")
        await self._limiter.spend((q.room_id, who.user_id))
        if not await self._cast(question_id, who.user_id, on):
            async with self._db.read() as s:
                full = (await render(s, [q]))[0]
            return redact_question(full, who.user_id, at_least(role, "host")) | {"voted": on}

        async def counted(s: AsyncSession, q: Question, c: Change) -> None:
            if on and q.asker_id != who.user_id:
                group = f"question.upvoted:{q.id}"
                note = await self._notifications.add_batched(
                    s, q.asker_id, "question.upvoted", group, about(q), (who.user_id, who.name)
                )
                c.notes.append(note)

        shown = await self._apply(who, question_id, "participant", "qa.vote", counted)
        return shown | {"voted": on}

    async def _cast(self, question_id: int, user_id: str, on: bool) -> bool:
        """Add or remove one person's vote; whether the vote table changed."""
        try:
            async with self._db.unit() as s:
                voted = question_id in await repo.voted_by(s, [question_id], user_id)
                if on and not voted:
                    s.add(QuestionVote(question_id=question_id, user_id=user_id))
                elif not on and voted:
                    await repo.remove_vote(s, question_id, user_id)
                return on != voted
        except IntegrityError:
            return False  # the same person's other click got there first: one vote stands

    # -- moderation -------------------------------------------------------------------------

    async def approve(self, who: Identity, question_id: int) -> dict[str, Any]:
        async def mutate(s: AsyncSession, q: Question, c: Change) -> None:
            if q.status != PENDING:
                raise SalonError("conflict", "only pending questions can be approved")
            q.status = OPEN

        return await self._apply(who, question_id, "host", "qa.approve", mutate)

    async def dismiss(self, who: Identity, question_id: int, reason: str) -> dict[str, Any]:
        async def mutate(s: AsyncSession, q: Question, c: Change) -> None:
            if q.status not in (PENDING, OPEN, ANSWERED):
                raise SalonError("conflict", f"the question is {q.status}")
            q.status, q.dismiss_reason, q.pinned = DISMISSED, reason or None, False
            data = about(q) | {"reason": reason}
            c.notes.append(await self._notifications.add(s, q.asker_id, "question.dismissed", data))

        return await self._apply(who, question_id, "host", "qa.dismiss", mutate)

    async def pin(self, who: Identity, question_id: int, on: bool) -> dict[str, Any]:
        async def mutate(s: AsyncSession, q: Question, c: Change) -> None:
            if q.status not in PUBLIC_STATUSES:
                raise SalonError("conflict", "only open or answered questions can be pinned")
            q.pinned = on

        return await self._apply(who, question_id, "host", "qa.pin", mutate)

    async def merge(self, who: Identity, question_id: int, into: int) -> dict[str, Any]:
        """``question_id`` is a duplicate of ``into``: its votes move, nobody counts twice."""

        async def mutate(s: AsyncSession, q: Question, c: Change) -> None:
            target = await repo.get_question(s, into)
            if (
                target is None
                or (target.session_id, target.room_id) != (q.session_id, q.room_id)
                or target.id == q.id
            ):
                raise SalonError(
                    "bad_request", "merge into another question of the same session or queue"
                )
            live = (PENDING, OPEN, ANSWERED)
            if q.status not in live or target.status not in live:
                raise SalonError("conflict", "both questions must still be open")
            await repo.move_votes(s, q.id, target.id)
            q.status, q.merged_into, q.pinned = MERGED, target.id, False
            c.also.append(target.id)

        return await self._apply(who, question_id, "host", "qa.merge", mutate)

    # -- answers ----------------------------------------------------------------------------

    async def answer(self, who: Identity, question_id: int, body: str) -> dict[str, Any]:
        async def mutate(s: AsyncSession, q: Question, c: Change) -> None:
            await self._limiter.spend((q.room_id, who.user_id))
            if q.status not in PUBLIC_STATUSES:
                raise SalonError("conflict", f"the question is {q.status}")
            seq = c.seq if c.rec is not None else None
            s.add(Answer(question_id=q.id, author_id=who.user_id, body=_clean(body), seq=seq))
            await s.flush()
            if q.asker_id != who.user_id:
                data = about(q) | {"by": who.name}
                c.notes.append(
                    await self._notifications.add(s, q.asker_id, "question.answered", data)
                )

        needed = await self._answering_role(who, question_id)
        return await self._apply(who, question_id, needed, "qa.answer", mutate)

    async def edit_answer(self, who: Identity, answer_id: int, body: str) -> dict[str, Any]:
        async with self._db.read() as s:
            answer = await repo.get_answer(s, answer_id)
        if answer is None:
            raise not_found("answer")

        async def mutate(s: AsyncSession, q: Question, c: Change) -> None:
            a = await repo.get_answer(s, answer_id)
            assert a is not None
            if a.author_id != who.user_id and not c.is_host:
                raise forbidden("editing someone else's answer")
            a.body, a.edited_at = _clean(body), utcnow()

        needed = await self._answering_role(who, answer.question_id)
        return await self._apply(who, answer.question_id, needed, "qa.answer_edit", mutate)

    async def mark_answered(
        self, who: Identity, question_id: int, answered: bool
    ) -> dict[str, Any]:
        async def mutate(s: AsyncSession, q: Question, c: Change) -> None:
            if q.status not in PUBLIC_STATUSES:
                raise SalonError("conflict", f"the question is {q.status}")
            _set_answered(q, c, answered)

        return await self._apply(who, question_id, "expert", "qa.mark_answered", mutate)

    async def accept(
        self, who: Identity, question_id: int, answer_id: int | None
    ) -> dict[str, Any]:
        """Experts, hosts or the asker pick the answer that settles it (None: unpick)."""

        async def mutate(s: AsyncSession, q: Question, c: Change) -> None:
            if q.asker_id != who.user_id and not at_least(c.role, "expert"):
                raise forbidden("accepting answers")
            if q.status not in PUBLIC_STATUSES:
                raise SalonError("conflict", f"the question is {q.status}")
            a = await repo.get_answer(s, answer_id) if answer_id is not None else None
            if answer_id is not None and (a is None or a.question_id != q.id):
                raise not_found("answer")
            q.accepted_answer_id = answer_id
            if a is not None:
                _set_answered(q, c, True)
                data = about(q) | {"answer_id": a.id}
                if a.author_id != who.user_id:
                    c.notes.append(
                        await self._notifications.add(s, a.author_id, "answer.accepted", data)
                    )
                if q.asker_id != who.user_id:
                    c.notes.append(
                        await self._notifications.add(s, q.asker_id, "question.accepted", data)
                    )

        return await self._apply(who, question_id, "viewer", "qa.accept", mutate)

    # -- reading ----------------------------------------------------------------------------

    async def questions(self, who: Identity, session_id: str, sort: str) -> list[dict[str, Any]]:
        async with self._db.read() as s:
            rec = await sessions_repo.get(s, session_id)
            if rec is None:
                raise not_found("session")
            role = await self._rooms.require(rec.room_id, who, "viewer", "reading questions")
            questions = await repo.questions_of(s, session_id)
            full = await render(s, questions)
            mine = await repo.voted_by(s, [q.id for q in questions], who.user_id)
        host = at_least(role, "host")
        shown = [
            redact_question(q, who.user_id, host) | {"voted": q["id"] in mine}
            for q in full
            if _may_see(q, who.user_id, host)
        ]
        return sort_questions(shown, sort)

    async def append_to_notes(
        self, who: Identity, session_id: str, question_ids: list[int] | None, doc: str
    ) -> list[int]:
        """Append answered questions (all of the session's by default) to a room document."""
        port = self._documents
        async with self._db.read() as s:
            rec = await sessions_repo.get(s, session_id)
        if rec is None:
            raise not_found("session")
        await self._rooms.require(rec.room_id, who, "expert", "appending answers to the notes")
        chosen = [
            q
            for q in reversed(await self.questions(who, session_id, "recent"))
            if q["status"] == ANSWERED and (question_ids is None or q["id"] in question_ids)
        ]
        try:
            for q in chosen:
                await port.append_text(rec.room_id, doc, notes_text(q), who.user_id)
        except SalonError:
            raise
        except Exception:
            log.exception("appending to %s in room %s failed", doc, rec.room_id)
            raise SalonError("unavailable", "the notes document could not be changed") from None
        return [q["id"] for q in chosen]

    # -- plumbing ---------------------------------------------------------------------------

    async def _visible_question(self, who: Identity, question_id: int) -> Question:
        async with self._db.read() as s:
            q = await repo.get_question(s, question_id)
        if q is None:
            raise not_found("question")
        role = await self._rooms.require(q.room_id, who, "viewer", "reading questions")
        if (
            q.status not in PUBLIC_STATUSES
            and q.asker_id != who.user_id
            and not at_least(role, "host")
        ):
            raise not_found("question")  # pending/dismissed ones do not exist for others
        return q

    async def _answering_role(self, who: Identity, question_id: int) -> str:
        """Experts of the room answer; so do a queued question's named and tag experts."""
        async with self._db.read() as s:
            q = await repo.get_question(s, question_id)
            if q is not None and await queue.answers_as_addressed(s, q, who.user_id):
                return "viewer"
        return "expert"

    async def _apply(
        self, who: Identity, question_id: int, needed: str, kind: str, mutate: Mutation
    ) -> dict[str, Any]:
        """Load, check the role, change, archive (timeline + index) in one unit, publish."""
        q = await self._visible_question(who, question_id)
        role = await self._rooms.require(q.room_id, who, needed, "that Q&A action")
        async with self._db.unit() as s:
            q = await repo.get_question(s, question_id) or q
            was_public = q.status in PUBLIC_STATUSES
            rec = await sessions_repo.get(s, q.session_id) if q.session_id else None
            # A queued question has no timeline: its own change counter orders its updates.
            seq = await sessions_repo.next_seq(s, rec.id) if rec is not None else q.last_seq + 1
            change = Change(who, role, rec, seq, was_public)
            before = (q.status, q.accepted_answer_id)
            await mutate(s, q, change)
            await self._tell_network(s, q, rec, before)
            full = await archive(s, q, change, kind)
            others = [await archive_other(s, qid, change) for qid in change.also]
        await self._activity.after(change.notes)
        await self._publisher.publish(full, was_public)
        for other in others:  # a merge target: its status did not change, its votes did
            await self._publisher.publish(other, other["status"] in PUBLIC_STATUSES)
        return redact_question(full, who.user_id, change.is_host)

    async def _tell_network(
        self,
        s: AsyncSession,
        q: Question,
        rec: SessionRecord | None,
        before: tuple[str, int | None],
    ) -> None:
        """Feed items and webhooks of a question that just got answered or an answer accepted."""
        status, accepted = before
        answered_now = q.status == ANSWERED and status != ANSWERED
        accepted_now = q.accepted_answer_id is not None and q.accepted_answer_id != accepted
        if not (answered_now or accepted_now):
            return
        experts = (
            (await sessions_repo.experts_of(s, [rec.id])).get(rec.id, []) if rec is not None else []
        )
        if answered_now:
            await self._activity.question_answered(s, q, rec, experts)
        if accepted_now and q.accepted_answer_id is not None:
            a = await repo.get_answer(s, q.accepted_answer_id)
            if a is not None:
                await self._activity.answer_accepted(s, q, a, rec, experts)


def _set_answered(q: Question, c: Change, answered: bool) -> None:
    if answered:
        moment = c.seq if c.rec is not None else None  # a replay moment only in a session
        q.status, q.answered_at, q.answered_seq = ANSWERED, utcnow(), moment
    else:  # reopened: nothing settles it any more
        q.status, q.answered_at, q.answered_seq = OPEN, None, None
        q.accepted_answer_id = None


def _may_see(q: dict[str, Any], viewer: str, is_host: bool) -> bool:
    if is_host:
        return True
    if q["status"] in PUBLIC_STATUSES:
        return True
    return q["asker"]["user_id"] == viewer and q["status"] in (PENDING, DISMISSED)
