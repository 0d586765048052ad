"""The guarded fast path: speed patches of python-engineio and uvicorn, applied only when the
installed libraries are the ones they were written against.

``install()`` checks first (``guard``: versions in the tested ranges of ``upstream.TESTED``,
every replaced or relied-on attribute present with the source hash of ``upstream.SOURCES``).
If anything differs it patches nothing, logs one warning saying what differed, and the stock
library paths run: slower, but correct. docs/performance.md, "The guarded fast path".
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from salon.realtime.fastpath import guard

log = logging.getLogger("salon.realtime.fastpath")


class FastPath:
    """Decides once per process: check, then patch everything or nothing."""

    def __init__(self, check: Callable[[], list[str]], patch: Callable[[], None]) -> None:
        self._check = check
        self._patch = patch
        self._active: bool | None = None  # None until decided

    def install(self) -> bool:
        if self._active is None:
            problems = self._check()
            if problems:
                log.warning(
                    "fast path off, stock python-engineio/uvicorn paths in use: %s",
                    "; ".join(" ".join(p.split()) for p in problems),
                )
            else:
                self._patch()
            self._active = not problems
        return self._active

    def active(self) -> bool:
        return bool(self._active)


def _patch_libraries() -> None:
    from salon.realtime.fastpath import engineio_ws

    engineio_ws.install()


_process = FastPath(guard.check, _patch_libraries)


def install() -> bool:
    """Check, and patch if everything is as tested; True if the fast path is active. Idempotent:
    the first call decides for the process (the patches are of library classes)."""
    return _process.install()


def active() -> bool:
    """Whether this process runs the fast path (False until ``install()``)."""
    return _process.active()


def websocket_protocol() -> type | None:
    """uvicorn's WebSocket protocol with Salon's lighter per-connection state, or None if the
    fast path is off (then uvicorn's stock protocol runs)."""
    if not install():
        return None
    from salon.realtime.fastpath.uvicorn_ws import SalonWebSocketProtocol

    return SalonWebSocketProtocol
