"""The checks that decide whether the fast path may patch: versions in the tested ranges,
every replaced or relied-on attribute present, and the upstream sources unchanged.

Each check returns what differs as short phrases; an empty list means "safe to patch". The
checks never raise: anything they cannot inspect counts as a difference.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from importlib import metadata
from types import ModuleType

from salon.realtime.fastpath.upstream import SOURCES, TESTED, VersionRange

Importer = Callable[[str], ModuleType]
VersionOf = Callable[[str], str | None]


def release(version: str) -> tuple[int, ...]:
    """The numeric release of a version string ("4.16.0rc1" -> (4, 16, 0))."""
    match = re.match(r"\d+(?:\.\d+)*", version)
    return tuple(int(part) for part in match.group().split(".")) if match else ()


def installed_version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def version_problems(tested: Iterable[VersionRange], version_of: VersionOf) -> list[str]:
    problems = []
    for lib in tested:
        version = version_of(lib.dist)
        if version is None:
            problems.append(f"{lib.dist} is not installed")
        elif not release(lib.low) <= release(version) < release(lib.below):
            problems.append(f"{lib.dist} {version} is outside the tested range {lib.spec}")
    return problems


def resolve(target: str, importer: Importer = importlib.import_module) -> object:
    """``"package.module:Class.attr"`` -> the object; LookupError if any part is missing."""
    module_name, _, qualname = target.partition(":")
    try:
        obj: object = importer(module_name)
    except ImportError as exc:
        raise LookupError(f"{module_name} does not import") from exc
    for name in qualname.split(".") if qualname else ():
        try:
            obj = inspect.getattr_static(obj, name)
        except AttributeError:
            raise LookupError(f"{target} is missing") from None
    # A method the fast path replaced in this process: its stock original is what was checked.
    return getattr(obj, "__salon_stock__", obj)


def source_hash(obj: object) -> str:
    """The first 16 hex digits of the sha256 of an upstream function's source, as
    ``inspect.getsource`` returns it (enough to tell that it changed)."""
    if isinstance(obj, staticmethod | classmethod):
        obj = obj.__func__
    source = inspect.getsource(obj)  # type: ignore[arg-type]
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def source_problems(
    sources: Mapping[str, str | None], importer: Importer = importlib.import_module
) -> list[str]:
    problems = []
    for target, expected in sources.items():
        try:
            obj = resolve(target, importer)
            if expected is not None and source_hash(obj) != expected:
                problems.append(f"{target} changed")
        except LookupError as exc:
            problems.append(str(exc))
        except (OSError, TypeError):  # no source to compare (e.g. installed without .py)
            problems.append(f"{target} has no readable source")
    return problems


def installed_hashes(
    sources: Mapping[str, str | None] = SOURCES, importer: Importer = importlib.import_module
) -> dict[str, str | None]:
    """The table as the installed libraries would fill it ("(missing)" where nothing resolves)."""
    found: dict[str, str | None] = {}
    for target, expected in sources.items():
        try:
            found[target] = None if expected is None else source_hash(resolve(target, importer))
        except (LookupError, OSError, TypeError):
            found[target] = "(missing)"
    return found


def check(
    tested: Iterable[VersionRange] = TESTED,
    sources: Mapping[str, str | None] = SOURCES,
    version_of: VersionOf = installed_version,
    importer: Importer = importlib.import_module,
) -> list[str]:
    """Everything that differs from what the fast path was written against."""
    problems = version_problems(tested, version_of)
    if problems:  # other versions may not even import the same way: stop here
        return problems
    return source_problems(sources, importer)
