"""orjson behind the json interface python-socketio and engine.io expect (str out, str in)."""

from __future__ import annotations

import json as _json
from typing import Any

import orjson

JSONDecodeError = _json.JSONDecodeError


def dumps(obj: Any, **_: Any) -> str:
    return orjson.dumps(obj).decode()


def loads(data: str | bytes, **_: Any) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ValueError(str(exc)) from None
