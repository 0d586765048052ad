"""The guard's decision: versions outside the tested ranges or a missing or changed attribute
mean nothing is patched and one warning says what differed. Checked on stand-in modules; the
real libraries are never touched here."""

from __future__ import annotations

import logging
import types

import pytest

from salon.realtime.fastpath import FastPath, guard
from salon.realtime.fastpath.upstream import VersionRange


def handler(self: object) -> str:
    return "upstream"


def stand_in() -> types.ModuleType:
    module = types.ModuleType("fakelib")
    module.Socket = type("Socket", (), {"handler": handler})  # type: ignore[attr-defined]
    return module


def importer(name: str) -> types.ModuleType:
    if name != "fakelib":
        raise ImportError(name)
    return stand_in()


TESTED = (VersionRange("fakelib", "1.4.2", "1.5"),)
SOURCES = {"fakelib:Socket.handler": guard.source_hash(handler), "fakelib:Socket": None}


def check(version: str | None = "1.4.7", sources: dict[str, str | None] = SOURCES) -> list[str]:
    return guard.check(TESTED, sources, lambda dist: version, importer)


def test_the_tested_libraries_pass() -> None:
    assert check() == []


@pytest.mark.parametrize("version", ["1.4.1", "1.5.0", "1.5.0rc1", "2.0", "0.9"])
def test_versions_outside_the_range_fail(version: str) -> None:
    assert check(version) == [f"fakelib {version} is outside the tested range >=1.4.2,<1.5"]


def test_a_library_that_is_not_installed_fails() -> None:
    assert check(None) == ["fakelib is not installed"]


def test_missing_attributes_and_modules_fail() -> None:
    sources = {**SOURCES, "fakelib:Socket.gone": None, "otherlib:thing": None}
    assert check(sources=sources) == ["fakelib:Socket.gone is missing", "otherlib does not import"]


def test_a_changed_source_fails() -> None:
    assert check(sources={"fakelib:Socket.handler": "0" * 16}) == ["fakelib:Socket.handler changed"]


def test_an_object_without_source_fails() -> None:
    module = types.ModuleType("fakelib")
    module.builtin = len  # type: ignore[attr-defined]
    problems = guard.source_problems({"fakelib:builtin": "0" * 16}, lambda name: module)
    assert problems == ["fakelib:builtin has no readable source"]


def test_release_reads_the_numeric_part() -> None:
    assert guard.release("4.15.1") == (4, 15, 1)
    assert guard.release("4.16.0rc1") == (4, 16, 0)
    assert guard.release("17.4") == (17, 4)


class Patches:
    def __init__(self) -> None:
        self.applied = 0

    def __call__(self) -> None:
        self.applied += 1


def test_a_failed_check_patches_nothing_and_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    patch = Patches()
    fast_path = FastPath(lambda: check("1.5.0", {**SOURCES, "fakelib:Socket.gone": None}), patch)
    with caplog.at_level(logging.WARNING, logger="salon.realtime.fastpath"):
        assert fast_path.install() is False
        assert fast_path.install() is False  # decided once: no second check, no second warning
    assert patch.applied == 0 and not fast_path.active()
    [record] = caplog.records
    message = record.getMessage()
    assert record.levelno == logging.WARNING and "\n" not in message
    assert "fast path off" in message
    assert "fakelib 1.5.0 is outside the tested range >=1.4.2,<1.5" in message


def test_a_passing_check_patches_once(caplog: pytest.LogCaptureFixture) -> None:
    patch = Patches()
    fast_path = FastPath(check, patch)
    assert not fast_path.active()
    with caplog.at_level(logging.WARNING, logger="salon.realtime.fastpath"):
        assert fast_path.install() and fast_path.install()
    assert patch.applied == 1 and fast_path.active()
    assert caplog.records == []
