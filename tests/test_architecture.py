"""The layering of docs/architecture.md, checked on the source: dependencies point one way, and
domain packages import no transport."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SERVER = Path(__file__).resolve().parents[1] / "server" / "salon"

# Lower rank = lower layer. A package may import from its own rank or below, never above.
RANK = {
    "core": 0,
    "store": 1,
    "bus": 1,
    "search": 2,
    "rooms": 3,
    # The inbox is below chat and Q&A, which notify through it.
    "network": 4,
    "chat": 5,
    "documents": 5,
    "sessions": 6,
    "qa": 7,
    "replay": 8,
    "services": 9,
    "realtime": 10,
    "api": 10,
    "web": 10,
    "app": 11,
    "cli": 12,
    "__main__": 13,
}
DOMAIN = {
    "core",
    "store",
    "bus",
    "search",
    "rooms",
    "chat",
    "documents",
    "sessions",
    "qa",
    "network",
    "replay",
}
TRANSPORTS = ("socketio", "engineio", "starlette", "uvicorn")


def package_of(path: Path) -> str:
    parts = path.relative_to(SERVER).parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "salon":
                yield from (f"salon.{alias.name}" for alias in node.names)
            else:
                yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


SOURCES = [
    p for p in SERVER.rglob("*.py") if "migrations" not in p.parts and p.name != "__init__.py"
]


def test_every_package_has_a_rank() -> None:
    assert {package_of(p) for p in SOURCES} <= set(RANK)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(SERVER)))
def test_dependencies_point_down(path: Path) -> None:
    mine = package_of(path)
    upward = []
    for module in imports(path):
        top, _, rest = module.partition(".")
        if top != "salon" or not rest:
            continue
        theirs = rest.split(".")[0]
        if theirs in RANK and RANK[theirs] > RANK[mine]:
            upward.append(module)
        elif theirs in RANK and RANK[theirs] == RANK[mine] and theirs != mine:
            upward.append(module)  # siblings stay independent of each other
    assert not upward, f"{mine} must not import {upward}"


@pytest.mark.parametrize(
    "path",
    [p for p in SOURCES if package_of(p) in DOMAIN],
    ids=lambda p: str(p.relative_to(SERVER)),
)
def test_domain_code_imports_no_transport(path: Path) -> None:
    found = [m for m in imports(path) if m.split(".")[0] in TRANSPORTS]
    assert not found, f"domain module imports {found}"
