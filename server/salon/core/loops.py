"""Background loops that wait for work, let it gather for a bounded window, then process it.

Producers call ``wake()`` (synchronous, no allocation: it only sets an event); the loop runs
``process()`` once for everything that arrived. ``process`` takes what has accumulated itself
(e.g. swaps its queue for an empty one), so the loop holds no items and a hot producer pays
one method call per item. Errors are logged and the loop continues; ``CancelledError`` is
re-raised; ``stop()`` runs ``process`` one last time so nothing accepted is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections.abc import Awaitable, Callable

from salon.core.errors import is_outage


def report_failure(log: logging.Logger, failure: str, error: Exception) -> None:
    """How every background loop logs a failed run: an archive or bus outage at debug level
    (the service warns once per outage, so no traceback per retry), anything else with its
    traceback."""
    if is_outage(error):
        log.debug("%s: %s", failure, error)
    else:
        log.exception(failure)


class Pace(enum.Enum):
    # Every batch waits one full window after its first item: one commit (or message) per
    # window, however idle the loop was before.
    GATHER = "gather"
    # At most one run per window: when idle, a lone item goes out at once (after one yield,
    # so what already arrived joins it); when busy, the rest of the window gathers the burst.
    SPACED = "spaced"


class BatchLoop:
    def __init__(
        self,
        name: str,
        process: Callable[[], Awaitable[None]],
        window_s: float,
        *,
        log: logging.Logger,
        failure: str,
        pace: Pace = Pace.GATHER,
        retry_s: float | None = None,
    ) -> None:
        """``failure`` is logged (with the traceback) when ``process`` raises; with
        ``retry_s`` the loop then waits that long and runs again even if nothing new came
        (for work that ``process`` puts back when it fails)."""
        self.name = name
        self.window_s = window_s
        self.pace = pace
        self.retry_s = retry_s
        self._process = process
        self._log = log
        self._failure = failure
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # Producers call this directly: a bound method of the event, no extra frame.
        self.wake: Callable[[], None] = self._wake.set

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        """Cancel the loop, then process what is left; an error of that last run propagates."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._process()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        last = 0.0
        while True:
            await self._wake.wait()
            if self.pace is Pace.SPACED:
                await asyncio.sleep(max(0.0, self.window_s - (loop.time() - last)))
            else:
                await asyncio.sleep(self.window_s)
            self._wake.clear()
            try:
                await self._process()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                report_failure(self._log, self._failure, error)
                if self.retry_s is not None:
                    self._wake.set()
                    await asyncio.sleep(self.retry_s)
            last = loop.time()
