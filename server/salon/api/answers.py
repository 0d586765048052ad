"""/api/v1 ask-anytime queues, "already answered?" suggestions and knowledge-base pages."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from salon.api.common import body, endpoint, identity, ok, path
from salon.api.qa import question_id
from salon.core.payloads import parse_query, store_int
from salon.qa.kb import Canonical, KbQuery, Summary
from salon.qa.queue import QueueQuery
from salon.qa.suggest import Suggest
from salon.services import Services


def _scope(request: Request) -> dict[str, str]:
    if "room_id" in request.path_params:
        return {"room_id": path(request, "room_id")}
    return {"tag": path(request, "tag")}


def routes(s: Services) -> list[Route]:
    queue, suggest, kb = s.queue, s.suggest, s.kb

    @endpoint
    async def list_queue(request: Request) -> Response:
        who = await identity(request, s)
        p = parse_query(QueueQuery, {**request.query_params, **_scope(request)})
        return ok(**await queue.listing(who, p))

    @endpoint
    async def bring(request: Request) -> Response:
        who = await identity(request, s)
        return ok(questions=await queue.bring(who, path(request, "room_id")))

    @endpoint
    async def similar(request: Request) -> Response:
        who = await identity(request, s)
        params = dict(request.query_params)
        scope = {"room_id": params.pop("room", None), "tag": params.pop("tag", None)}
        params |= {k: v for k, v in scope.items() if v} | {"text": params.pop("q", "")}
        found = await suggest.suggest(who, parse_query(Suggest, params))
        return ok(suggestions=found)

    @endpoint
    async def helped(request: Request) -> Response:
        who = await identity(request, s)
        answer_id = store_int(path(request, "answer_id"), "answer_id")
        return ok(**await suggest.helped(who, answer_id))

    def kb_query(request: Request) -> KbQuery:
        return parse_query(KbQuery, {**request.query_params, **_scope(request)})

    @endpoint
    async def kb_page(request: Request) -> Response:
        who = await identity(request, s)
        return ok(**await kb.page(who, kb_query(request)))

    @endpoint
    async def kb_export(request: Request) -> Response:
        who = await identity(request, s)
        text = await kb.export(who, kb_query(request))
        return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")

    @endpoint
    async def canonical(request: Request) -> Response:
        who = await identity(request, s)
        p = await body(request, Canonical, s, question_id=question_id(request))
        return ok(item=await kb.set_canonical(who, p.question_id, p.answer_id))

    @endpoint
    async def summary(request: Request) -> Response:
        who = await identity(request, s)
        p = await body(request, Summary, s, question_id=question_id(request))
        return ok(item=await kb.summarize(who, p.question_id, p.body))

    @endpoint
    async def history(request: Request) -> Response:
        who = await identity(request, s)
        return ok(history=await kb.history(who, question_id(request)))

    one = "/api/v1/questions/{question_id}"
    return [
        Route("/api/v1/rooms/{room_id}/queue", list_queue, methods=["GET"]),
        Route("/api/v1/rooms/{room_id}/queue/bring", bring, methods=["POST"]),
        Route("/api/v1/tags/{tag}/queue", list_queue, methods=["GET"]),
        Route("/api/v1/suggestions", similar, methods=["GET"]),
        Route("/api/v1/answers/{answer_id}/helped", helped, methods=["POST"]),
        Route("/api/v1/kb/rooms/{room_id}", kb_page, methods=["GET"]),
        Route("/api/v1/kb/rooms/{room_id}/export.md", kb_export, methods=["GET"]),
        Route("/api/v1/kb/tags/{tag}", kb_page, methods=["GET"]),
        Route("/api/v1/kb/tags/{tag}/export.md", kb_export, methods=["GET"]),
        Route(one + "/canonical", canonical, methods=["PUT"]),
        Route(one + "/summary", summary, methods=["PUT"]),
        Route(one + "/summary/history", history, methods=["GET"]),
    ]
