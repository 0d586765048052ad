"""One error type and the catalogue of codes every ack and REST error uses."""

from __future__ import annotations

from typing import Any

# code -> HTTP status. docs/protocol.md lists the same table; keep them in step.
CODES: dict[str, int] = {
    "bad_request": 400,
    "unsupported_protocol": 400,
    "unknown_event": 400,
    "unauthenticated": 401,
    "token_expired": 401,
    "forbidden": 403,
    "not_member": 403,
    "removed": 403,
    "banned": 403,
    "guests_disabled": 403,
    "not_found": 404,
    "not_joined": 409,
    "conflict": 409,
    "room_archived": 409,
    "too_large": 413,
    "rate_limited": 429,
    "limit_reached": 429,
    "unavailable": 503,
    "internal": 500,
}


class SalonError(Exception):
    """An expected failure with a documented code; never a crash."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        assert code in CODES, code
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    @property
    def status(self) -> int:
        return CODES[self.code]

    def to_dict(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            error["details"] = self.details
        return {"ok": False, "error": error}


def not_found(what: str) -> SalonError:
    return SalonError("not_found", f"{what} not found")


def forbidden(action: str) -> SalonError:
    return SalonError("forbidden", f"your role does not allow {action}")


# What an outage answers: long enough not to hammer a recovering service, short enough that
# a blip costs a client one retry.
OUTAGE_RETRY_AFTER = 1.0


def unavailable(service: str, retry_after: float = OUTAGE_RETRY_AFTER) -> SalonError:
    """A backing service is unreachable: nothing was changed, the same request may be retried."""
    return SalonError(
        "unavailable", f"the {service} is unreachable; retry shortly", retry_after=retry_after
    )


def is_outage(exc: BaseException) -> bool:
    """An answer of ``unavailable``: was it an outage that the caller should retry?"""
    return isinstance(exc, SalonError) and exc.code == "unavailable"
