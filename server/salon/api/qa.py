"""/api/v1 Q&A for scripts, bots and experts answering after the session has ended."""

from __future__ import annotations

from typing import Literal

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from salon.api.common import body, endpoint, identity, ok, path, query
from salon.core.payloads import Payload, store_int
from salon.qa.view import Accept, AnswerCreate, Ask, Vote
from salon.services import Services


class ListQuery(Payload):
    sort: Literal["votes", "recent"] = "votes"


def question_id(request: Request) -> int:
    return store_int(path(request, "question_id"), "question_id")


def routes(s: Services) -> list[Route]:
    qa = s.qa

    @endpoint
    async def list_questions(request: Request) -> Response:
        p = query(request, ListQuery)
        found = await qa.questions(await identity(request, s), path(request, "session_id"), p.sort)
        return ok(questions=found)

    @endpoint
    async def ask(request: Request) -> Response:
        who = await identity(request, s)
        p = await body(request, Ask, s, room_id=path(request, "room_id"))
        asked = await qa.ask(who, p.room_id, p.body, p.anonymous, p.tag, p.expert)
        return ok(201, question=asked)

    @endpoint
    async def answer(request: Request) -> Response:
        who = await identity(request, s)
        p = await body(request, AnswerCreate, s, question_id=question_id(request))
        return ok(201, question=await qa.answer(who, p.question_id, p.body))

    @endpoint
    async def vote(request: Request) -> Response:
        who = await identity(request, s)
        p = await body(request, Vote, s, question_id=question_id(request))
        return ok(question=await qa.vote(who, p.question_id, p.on))

    @endpoint
    async def accept(request: Request) -> Response:
        who = await identity(request, s)
        p = await body(request, Accept, s, question_id=question_id(request))
        return ok(question=await qa.accept(who, p.question_id, p.answer_id))

    one = "/api/v1/questions/{question_id}"
    return [
        Route("/api/v1/sessions/{session_id}/questions", list_questions, methods=["GET"]),
        Route("/api/v1/rooms/{room_id}/questions", ask, methods=["POST"]),
        Route(one + "/answers", answer, methods=["POST"]),
        Route(one + "/vote", vote, methods=["POST"]),
        Route(one + "/accept", accept, methods=["POST"]),
    ]
