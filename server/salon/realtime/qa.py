"""qa:* events: thin wrappers over the Q&A service."""

from __future__ import annotations

from salon.qa.view import (
    Accept,
    AnswerCreate,
    AnswerEdit,
    AppendToNotes,
    Ask,
    Dismiss,
    MarkAnswered,
    Merge,
    Pin,
    QuestionEdit,
    QuestionList,
    QuestionRef,
    Vote,
)
from salon.realtime.hub import Ack, Client, Hub
from salon.services import Services


def register(hub: Hub, s: Services) -> None:
    qa = s.qa

    async def ask(c: Client, p: Ask) -> Ack:
        asked = await qa.ask(c.identity, p.room_id, p.body, p.anonymous, p.tag, p.expert)
        return {"question": asked}

    async def edit(c: Client, p: QuestionEdit) -> Ack:
        return {"question": await qa.edit(c.identity, p.question_id, p.body)}

    async def withdraw(c: Client, p: QuestionRef) -> Ack:
        return {"question": await qa.withdraw(c.identity, p.question_id)}

    async def vote(c: Client, p: Vote) -> Ack:
        return {"question": await qa.vote(c.identity, p.question_id, p.on)}

    async def approve(c: Client, p: QuestionRef) -> Ack:
        return {"question": await qa.approve(c.identity, p.question_id)}

    async def dismiss(c: Client, p: Dismiss) -> Ack:
        return {"question": await qa.dismiss(c.identity, p.question_id, p.reason)}

    async def pin(c: Client, p: Pin) -> Ack:
        return {"question": await qa.pin(c.identity, p.question_id, p.on)}

    async def merge(c: Client, p: Merge) -> Ack:
        return {"question": await qa.merge(c.identity, p.question_id, p.into)}

    async def answer(c: Client, p: AnswerCreate) -> Ack:
        return {"question": await qa.answer(c.identity, p.question_id, p.body)}

    async def edit_answer(c: Client, p: AnswerEdit) -> Ack:
        return {"question": await qa.edit_answer(c.identity, p.answer_id, p.body)}

    async def mark(c: Client, p: MarkAnswered) -> Ack:
        return {"question": await qa.mark_answered(c.identity, p.question_id, p.answered)}

    async def accept(c: Client, p: Accept) -> Ack:
        return {"question": await qa.accept(c.identity, p.question_id, p.answer_id)}

    async def list_questions(c: Client, p: QuestionList) -> Ack:
        return {"questions": await qa.questions(c.identity, p.session_id, p.sort)}

    async def to_notes(c: Client, p: AppendToNotes) -> Ack:
        ids = await qa.append_to_notes(c.identity, p.session_id, p.question_ids, p.doc)
        return {"appended": ids}

    hub.handle("qa:ask", Ask, ask)
    hub.handle("qa:edit", QuestionEdit, edit)
    hub.handle("qa:withdraw", QuestionRef, withdraw)
    hub.handle("qa:vote", Vote, vote)
    hub.handle("qa:approve", QuestionRef, approve)
    hub.handle("qa:dismiss", Dismiss, dismiss)
    hub.handle("qa:pin", Pin, pin)
    hub.handle("qa:merge", Merge, merge)
    hub.handle("qa:answer", AnswerCreate, answer)
    hub.handle("qa:answer_edit", AnswerEdit, edit_answer)
    hub.handle("qa:mark_answered", MarkAnswered, mark)
    hub.handle("qa:accept", Accept, accept)
    hub.handle("qa:list", QuestionList, list_questions)
    hub.handle("qa:append_to_notes", AppendToNotes, to_notes)
