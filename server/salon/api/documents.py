"""/api/v1/rooms/{room_id}/documents: the documents of a room and their history."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import StringConstraints
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from salon.api.common import body, endpoint, identity, ok, path
from salon.core.errors import SalonError
from salon.core.payloads import Payload
from salon.documents.history import FORMATS, History, parse_time
from salon.services import Services
from salon.store.models import Document

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Time = Annotated[str, StringConstraints(min_length=1, max_length=64)] | int


class DocumentCreate(Payload):
    name: Name


class DocumentRename(Payload):
    name: Name


class Restore(Payload):
    at: Time


def document_dict(document: Document) -> dict[str, Any]:
    return {
        "id": document.id,
        "room_id": document.room_id,
        "name": document.name,
        "namespace": f"/yjs|{document.room_id}/{document.name}",
        "created_by": document.created_by,
        "created_at": document.created_at.isoformat(),
        "updated_at": document.updated_at.isoformat(),
    }


def routes(s: Services) -> list[Route]:
    documents = s.documents
    history = History(documents)

    @endpoint
    async def list_documents(request: Request) -> Response:
        rows = await documents.list_documents(path(request, "room_id"), await identity(request, s))
        return ok(documents=[document_dict(d) for d in rows])

    @endpoint
    async def create(request: Request) -> Response:
        who = await identity(request, s)
        p = await body(request, DocumentCreate, s)
        document = await documents.create(path(request, "room_id"), p.name, who)
        return ok(201, document=document_dict(document))

    @endpoint
    async def rename(request: Request) -> Response:
        who = await identity(request, s)
        p = await body(request, DocumentRename, s)
        room_id, name = path(request, "room_id"), path(request, "name")
        return ok(document=document_dict(await documents.rename(room_id, name, p.name, who)))

    @endpoint
    async def delete(request: Request) -> Response:
        who = await identity(request, s)
        await documents.delete(path(request, "room_id"), path(request, "name"), who)
        return ok()

    @endpoint
    async def versions(request: Request) -> Response:
        who = await identity(request, s)
        data = await history.versions(path(request, "room_id"), path(request, "name"), who)
        return ok(**data)

    @endpoint
    async def content(request: Request) -> Response:
        who = await identity(request, s)
        fmt = request.query_params.get("format", "text")
        if fmt not in FORMATS:
            raise SalonError("bad_request", f"format must be one of {', '.join(FORMATS)}")
        at = parse_time(request.query_params.get("at"))
        room_id, name = path(request, "room_id"), path(request, "name")
        rendered = (await history.content_at(room_id, name, who, at)).render(fmt)
        if isinstance(rendered, dict):
            return ok(**rendered)
        media = "text/markdown" if fmt == "markdown" else "text/plain"
        return PlainTextResponse(rendered, media_type=f"{media}; charset=utf-8")

    @endpoint
    async def restore(request: Request) -> Response:
        who = await identity(request, s)
        p = await body(request, Restore, s)
        room_id, name = path(request, "room_id"), path(request, "name")
        restored = await history.restore(room_id, name, who, parse_time(str(p.at)))
        return ok(text=restored.text, update_id=restored.update_id)

    base = "/api/v1/rooms/{room_id}/documents"
    one = base + "/{name}"
    return [
        Route(base, list_documents, methods=["GET"]),
        Route(base, create, methods=["POST"]),
        Route(one, rename, methods=["PATCH"]),
        Route(one, delete, methods=["DELETE"]),
        Route(one + "/versions", versions, methods=["GET"]),
        Route(one + "/content", content, methods=["GET"]),
        Route(one + "/restore", restore, methods=["POST"]),
    ]
