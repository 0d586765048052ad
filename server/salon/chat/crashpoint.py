"""FOR TESTS ONLY: a named point where the process kills itself with SIGKILL.

``SALON_TEST_CRASH_AT=<point>`` (read once, when the service is built; unset in production)
lets a crash test stop a real server at an exact place, such as between a chat message's
commit and its broadcast, which no outside ``kill -9`` can hit reliably. Points:

- ``chat.mid_batch``: a group commit's messages are inserted, their timeline events and search
  entries not yet (a batch half written);
- ``chat.before_commit``: every row of the batch is written, the unit not yet committed;
- ``chat.after_commit``: the batch committed, nothing broadcast or acknowledged yet.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Mapping

ENV = "SALON_TEST_CRASH_AT"
POINTS = ("chat.mid_batch", "chat.before_commit", "chat.after_commit")


class CrashPoint:
    def __init__(self, environ: Mapping[str, str] = os.environ) -> None:
        at = environ.get(ENV) or None
        if at is not None and at not in POINTS:
            raise ValueError(f"{ENV} must be one of {', '.join(POINTS)}, not {at!r}")
        self._at = at

    def reached(self, point: str) -> None:
        if point == self._at:
            os.kill(os.getpid(), signal.SIGKILL)
