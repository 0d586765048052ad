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


# What every integer column of the archive holds (BIGINT on PostgreSQL, INTEGER on SQLite).
STORE_INT_MIN, STORE_INT_MAX = -(2**63), 2**63 - 1


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


_SEQUENCES = (list, tuple, set, frozenset)


def _fits(value: Any) -> bool:
    if isinstance(value, int):  # bool is an int and always fits
        return STORE_INT_MIN <= value <= STORE_INT_MAX
    if isinstance(value, _SEQUENCES):
        return all(_fits(item) for item in value)
    if isinstance(value, dict):
        return all(_fits(item) for item in value.values())
    return True


P = TypeVar("P", bound=BaseModel)


def parse(model: type[P], data: Any) -> P:
    if not isinstance(data, dict):
        raise SalonError("bad_request", "the payload must be an object")
    _check_integers(data)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "payload"
        raise SalonError("bad_request", f"{where}: {first['msg']}") from None


def store_int(value: str, name: str) -> int:
    """A positive integer id from text (a REST path segment), or ``bad_request``."""
    digits = value.isascii() and value.isdigit() and len(value) <= 19
    if not digits or not 1 <= int(value) <= STORE_INT_MAX:
        raise SalonError("bad_request", f"{name} must be a positive integer below 2**63")
    return int(value)


def parse_query(model: type[P], params: dict[str, str]) -> P:
    """Query strings arrive as text; validate them in lax mode so '5' is a number."""
    try:
        parsed = model.model_validate(params, strict=False)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "query"
        raise SalonError("bad_request", f"{where}: {first['msg']}") from None
    _check_integers(parsed.__dict__)  # numbers arrived as text: check what they became
    return parsed


def _check_integers(data: dict[str, Any]) -> None:
    """Every integer of every inbound shape, checked here at once: an id, seq or cursor beyond
    64 bits would otherwise reach the database driver and fail there as an internal error,
    after parts of the request had taken effect."""
    for name, value in data.items():
        if type(value) is not str and not _fits(value):  # strings: most fields, per event
            raise SalonError("bad_request", f"{name}: integers must lie within ±2**63")
