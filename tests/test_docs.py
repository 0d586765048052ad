"""The docs name every setting, error code, event and endpoint the code has."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.routing import Route

from salon.app import build_services
from salon.core.config import Settings
from salon.core.errors import CODES

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
# protocol.md plus feature sections not yet folded into it (docs/protocol-<feature>.md)
PROTOCOL = "\n".join(p.read_text() for p in sorted((ROOT / "docs").glob("protocol*.md")))


def test_readme_lists_every_setting() -> None:
    missing = [n for n in Settings.model_fields if f"`SALON_{n.upper()}`" not in README]
    assert not missing


def test_protocol_lists_every_error_code() -> None:
    assert not [code for code in CODES if f"`{code}`" not in PROTOCOL]


def test_protocol_lists_every_event_and_endpoint(tmp_path: Path) -> None:
    from salon import api

    services, hub = build_services(Settings(data_dir=tmp_path, secret="x" * 40))
    events = [e for e in hub.sio.handlers["/"] if e not in ("connect", "disconnect", "*")]
    assert events and not [e for e in events if f"`{e}`" not in PROTOCOL]
    documented = set(re.findall(r"`(?:GET|POST|PUT|PATCH|DELETE) (/[^` ]*)", PROTOCOL))
    for route in api.routes(services):
        assert isinstance(route, Route)
        assert route.path in documented, route.path
