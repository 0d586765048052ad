"""The authorization matrix: every action against every kind of caller, as data.

`docs/security.md` shows this table; `test_matrix.py` checks the server against it and
checks that the docs show exactly this table.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

# Who calls. Members hold that role in an invite-only room; "outsider" is a member of
# another room; "removed" was removed by a host; "guest" connects by display name.
CALLERS = [
    "anonymous",
    "expired",
    "guest",
    "outsider",
    "removed",
    "viewer",
    "participant",
    "expert",
    "host",
]
MEMBER_ROLES = ["viewer", "participant", "expert", "host"]

Action = Callable[[Any, dict[str, Any]], Awaitable[Any]]


@dataclass(frozen=True)
class Rule:
    name: str  # an event or "METHOD /path"
    allowed: tuple[str, ...]  # callers that succeed; everyone else is refused
    action: Action


def at_least(role: str) -> tuple[str, ...]:
    return tuple(MEMBER_ROLES[MEMBER_ROLES.index(role) :])


def render(rules: list[Rule]) -> str:
    head = "| action | " + " | ".join(CALLERS) + " |"
    rule = "| --- |" + " :-: |" * len(CALLERS)
    rows = [
        f"| `{r.name}` | " + " | ".join("✓" if c in r.allowed else "·" for c in CALLERS) + " |"
        for r in rules
    ]
    return "\n".join([head, rule, *rows])
