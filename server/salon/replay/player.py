"""Plays a ReplaySource in real time times a speed: pause, resume, seek, change speed and
"skip silence". Transport-free: it hands what to send to an ``emit`` callback."""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from salon.core.errors import SalonError
from salon.replay.service import DocPoint, ReplaySource

log = logging.getLogger("salon.replay")

Emit = Callable[[str, dict[str, Any]], Awaitable[None]]
SPEEDS = (0.25, 16.0)
SILENCE_MS = 3000  # with skip_silence, a quiet stretch longer than this...
SILENCE_KEEP_MS = 500  # ...shrinks to this
PREFETCH = 256


def check_speed(speed: float) -> float:
    if not SPEEDS[0] <= speed <= SPEEDS[1]:
        raise SalonError("bad_request", f"speed must be between {SPEEDS[0]} and {SPEEDS[1]}")
    return float(speed)


class ReplayPlayer:
    def __init__(
        self, source: ReplaySource, emit: Emit, speed: float = 1.0, skip_silence: bool = False
    ) -> None:
        self.source = source
        self._emit = emit
        self.speed = check_speed(speed)
        self.skip_silence = skip_silence
        self.position = 0
        self.playing = False
        self._items = merge(source)
        self._offsets = [item[0] for item in self._items]
        self._next = 0
        self._task: asyncio.Task[None] | None = None
        # (offset, monotonic time) the playing clock counts from: pause reads the clock there.
        self._anchor: tuple[int, float] | None = None
        self._bytes: dict[int, bytes] = {}

    def status(self) -> dict[str, Any]:
        return {
            "offset": self.position,
            "playing": self.playing,
            "speed": self.speed,
            "skip_silence": self.skip_silence,
            "duration_ms": self.source.duration_ms,
        }

    async def seek(self, offset: int) -> None:
        """Send the whole state at ``offset``, then continue from there (if playing)."""
        was_playing = self.playing
        await self._halt()
        self.position = self.source.clamp(offset)
        self._next = bisect.bisect_right(self._offsets, self.position)
        state = await self.source.state(self.position)
        await self._emit("replay:state", state)
        if was_playing:
            self._start()
        else:
            await self._emit("replay:status", self.status())

    async def play(self) -> None:
        if not self.playing:
            self._start()

    async def pause(self) -> None:
        await self._halt()
        await self._emit("replay:status", self.status())

    async def set_speed(self, speed: float, skip_silence: bool | None = None) -> None:
        new_speed = check_speed(speed)
        was_playing = self.playing
        # Stop first: the clock up to now ran at the old speed.
        await self._halt()
        self.speed = new_speed
        if skip_silence is not None:
            self.skip_silence = skip_silence
        if was_playing:
            self._start()
        else:
            await self._emit("replay:status", self.status())

    async def close(self) -> None:
        await self._halt()

    def _start(self) -> None:
        self.playing = True
        self._task = asyncio.create_task(self._run(), name="replay")

    def _clock(self) -> int:
        """Where playback is now: between events the clock runs on past the last one sent."""
        if not self.playing or self._anchor is None:
            return self.position
        offset, since = self._anchor
        now = offset + int((time.monotonic() - since) * self.speed * 1000)
        upcoming = self._offsets[self._next] if self._next < len(self._offsets) else None
        limit = self.source.duration_ms if upcoming is None else upcoming
        return max(self.position, min(now, limit))

    async def _halt(self) -> None:
        self.position = self._clock()
        self._anchor = None
        self.playing = False
        task, self._task = self._task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        try:
            await self._emit("replay:status", self.status())
            await self._play_from_here()
            self.playing = False
            self.position = self.source.duration_ms
            await self._emit("replay:end", self.status())
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("replay stopped")
            self.playing = False

    async def _play_from_here(self) -> None:
        anchor_offset, anchor_clock = self.position, time.monotonic()
        self._anchor = (anchor_offset, anchor_clock)
        while self._next < len(self._items):
            offset, item = self._items[self._next]
            if self.skip_silence and offset - self.position > SILENCE_MS:
                anchor_offset, anchor_clock = offset - SILENCE_KEEP_MS, time.monotonic()
                self._anchor = (anchor_offset, anchor_clock)
            wait = (offset - anchor_offset) / self.speed / 1000 - (time.monotonic() - anchor_clock)
            if wait > 0:
                await asyncio.sleep(wait)
            self.position = max(self.position, offset)
            await self._send(offset, item)
            self._next += 1
        end = self.source.duration_ms
        rest = (end - anchor_offset) / self.speed / 1000 - (time.monotonic() - anchor_clock)
        if rest > 0 and not self.skip_silence:
            await asyncio.sleep(rest)

    async def _send(self, offset: int, item: dict[str, Any] | DocPoint) -> None:
        if isinstance(item, DocPoint):
            data = await self._update(item.update_id)
            await self._emit("replay:doc", {"offset": offset, "name": item.name, "update": data})
        else:
            await self._emit("replay:event", item)

    async def _update(self, update_id: int) -> bytes:
        if update_id not in self._bytes:
            ids = [
                p.update_id
                for _, p in self._items[self._next : self._next + PREFETCH]
                if isinstance(p, DocPoint)
            ]
            self._bytes = await self.source.update_bytes(ids or [update_id])
        return self._bytes.pop(update_id, b"")


def merge(source: ReplaySource) -> list[tuple[int, Any]]:
    """Timeline events and document updates in one order; at equal offsets, the timeline
    event first (it was recorded when the change was accepted)."""
    items: list[tuple[int, int, Any]] = [(e["offset"], 0, e) for e in source.events]
    items += [(p.offset, 1, p) for p in source.doc_points]
    items.sort(key=lambda item: (item[0], item[1]))
    return [(offset, item) for offset, _, item in items]
