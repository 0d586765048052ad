"""Inbound payload validation shared by the Socket.IO handlers and the REST endpoints: the base
model, common field types and ``parse``. Each domain package declares its own shapes on top.

Validation happens before any service runs; a failure is ``bad_request`` and changes nothing."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from salon.core.errors import SalonError

Id = Annotated[str, StringConstraints(min_length=1, max_length=128)]


ClientId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


Emoji = Annotated[str, StringConstraints(min_length=1, max_length=32)]


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


P = TypeVar("P", bound=BaseModel)


def parse(model: type[P], data: Any) -> P:
    if not isinstance(data, dict):
        raise SalonError("bad_request", "the payload must be an object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "payload"
        raise SalonError("bad_request", f"{where}: {first['msg']}") from None


def parse_query(model: type[P], params: dict[str, str]) -> P:
    """Query strings arrive as text; validate them in lax mode so '5' is a number."""
    try:
        return model.model_validate(params, strict=False)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "query"
        raise SalonError("bad_request", f"{where}: {first['msg']}") from None
