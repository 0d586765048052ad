"""The upstream code the fast path copies, wraps or reimplements is the code it was written
against. When this fails after an upgrade, follow docs/performance.md ("The guarded fast
path"): read the upstream change, adapt the patches, re-bless the hashes in upstream.py."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

from salon.realtime.fastpath import guard
from salon.realtime.fastpath.upstream import SOURCES, TESTED

ROOT = Path(__file__).resolve().parents[3]


def test_installed_versions_are_the_tested_ones() -> None:
    assert guard.version_problems(TESTED, guard.installed_version) == []


@pytest.mark.parametrize("target", sorted(SOURCES))
def test_upstream_source_is_unchanged(target: str) -> None:
    pinned = SOURCES[target]
    obj = guard.resolve(target)  # LookupError: renamed or removed upstream
    if pinned is not None:
        assert guard.source_hash(obj) == pinned, (
            f"{target} changed upstream: read the diff, adapt fastpath/, re-bless "
            "(python -m salon.realtime.fastpath prints the new hash)"
        )


def test_the_guard_passes_with_the_installed_libraries() -> None:
    assert guard.check() == []


def requirement(name: str) -> str:
    """The specifier of ``name`` in pyproject's dependencies (extras dropped)."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for dep in pyproject["project"]["dependencies"]:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)(\[[^\]]*\])?(.*)", dep)
        assert match, dep
        if match.group(1).lower() == name:
            return match.group(3).replace(" ", "")
    raise AssertionError(f"{name} is not a dependency")


@pytest.mark.parametrize("lib", TESTED, ids=lambda lib: lib.dist)
def test_pyproject_declares_the_tested_ranges(lib: guard.VersionRange) -> None:
    assert requirement(lib.dist) == lib.spec


@pytest.mark.parametrize("lib", TESTED, ids=lambda lib: lib.dist)
def test_constraints_pin_a_tested_version(lib: guard.VersionRange) -> None:
    constraints = (ROOT / "constraints.txt").read_text()
    match = re.search(rf"^{re.escape(lib.dist)}==(\S+)$", constraints, re.MULTILINE | re.I)
    assert match, f"{lib.dist} is not pinned in constraints.txt"
    assert guard.version_problems([lib], lambda dist: match.group(1)) == []
    assert metadata.version(lib.dist) == match.group(1)
