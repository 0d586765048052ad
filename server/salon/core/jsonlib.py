"""Strict JSON for everything a client sends: Socket.IO event payloads and awareness states.

JavaScript's ``JSON.parse`` throws on ``NaN`` and ``Infinity``; a server that accepted and relayed
them would break every browser that receives them. Deep nesting costs a recursive walk per level
in every later step (validation, encoding, relaying), so it is bounded here, once, before any
handler sees the value. orjson already refuses the non-standard literals and anything nested over
1,024 levels; the tighter documented bound is checked only when the text could reach it.
"""

from __future__ import annotations

from typing import Any

import orjson

# Deeper than any shape of the protocol (a Socket.IO event is [name, payload] and payloads nest
# three or four levels; a y-protocols cursor in an awareness state about six).
MAX_DEPTH = 32


class InvalidJson(ValueError):
    """Not strict JSON, or nested deeper than the bound; the message says which."""


def loads(data: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InvalidJson(f"not JSON ({str(exc)[:120]})") from None
    if _openers(data) > max_depth and depth(value) > max_depth:
        raise InvalidJson(f"JSON nested deeper than {max_depth} levels")
    return value


def dumps(value: Any) -> bytes:
    return orjson.dumps(value)


def _openers(data: str | bytes) -> int:
    # A C-speed upper bound of the depth: no walk for the usual small, flat payload.
    if isinstance(data, str):
        return data.count("[") + data.count("{")
    return data.count(b"[") + data.count(b"{")


def depth(value: Any) -> int:
    """Nesting depth of a decoded JSON value (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        level += 1
        deepest = max(deepest, level)
        stack.extend((child, level) for child in children)
    return deepest
