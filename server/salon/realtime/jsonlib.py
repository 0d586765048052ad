"""The json interface python-socketio expects (str out, str in), over Salon's strict JSON
(``salon.core.jsonlib``: no ``NaN``/``Infinity``, bounded nesting)."""

from __future__ import annotations

import json as _json
from typing import Any

from salon.core import jsonlib as strict
from salon.core.jsonlib import InvalidJson

JSONDecodeError = _json.JSONDecodeError

__all__ = ["InvalidJson", "dumps", "loads"]


def dumps(obj: Any, **_: Any) -> str:
    return strict.dumps(obj).decode()


def loads(data: str | bytes, **_: Any) -> Any:
    return strict.loads(data)
