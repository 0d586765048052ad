"""A queue and an event for per-connection state, allocating only while in use.

Every connection holds two ``asyncio.Queue`` (uvicorn's receive queue, engine.io's send queue)
and an ``asyncio.Event`` (uvicorn's writability). Each empty Queue owns four deques and each
Event one; an empty deque reserves a 64-slot block, ~760 bytes. tracemalloc put them at ~7 KiB
of the ~36 KiB an idle connection cost. These classes keep the subset of the interface that
engine.io and uvicorn use, with the same semantics, and hold no container while idle.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any


class LightQueue:
    """Unbounded FIFO with ``asyncio.Queue``'s methods: put/get (also ``_nowait``), qsize,
    empty, task_done and join. Waiters are woken in order; a cancelled getter loses nothing.
    ``take`` is a frame-free ``get`` for a single consumer (uvicorn's receive)."""

    __slots__ = ("_finished", "_getters", "_items", "_takers", "_unfinished")

    def __init__(self, maxsize: int = 0) -> None:
        self._items: deque[Any] | None = None
        self._getters: list[asyncio.Future[None]] | None = None
        self._takers: list[asyncio.Future[Any]] | None = None
        self._unfinished = 0
        self._finished: LightEvent | None = None

    def qsize(self) -> int:
        return len(self._items) if self._items else 0

    def empty(self) -> bool:
        return not self._items

    def full(self) -> bool:
        return False

    def put_nowait(self, item: Any) -> None:
        while self._takers:  # handed over directly: see take()
            taker = self._takers.pop(0)
            if not self._takers:
                self._takers = None
            if not taker.done():
                taker.set_result(item)
                return
        if self._items is None:
            self._items = deque()
        self._items.append(item)
        self._unfinished += 1
        if self._finished is not None:
            self._finished.clear()
        self._wake_getter()

    async def put(self, item: Any) -> None:
        self.put_nowait(item)

    def get_nowait(self) -> Any:
        if not self._items:
            raise asyncio.QueueEmpty
        item = self._items.popleft()
        if not self._items:
            self._items = None
        return item

    async def get(self) -> Any:
        while not self._items:
            getter = asyncio.get_running_loop().create_future()
            if self._getters is None:
                self._getters = []
            self._getters.append(getter)
            try:
                await getter
            except BaseException:
                getter.cancel()
                self._remove_getter(getter)
                if self._items and not getter.cancelled():
                    self._wake_getter()  # woken, then cancelled: let the next one take it
                raise
            self._remove_getter(getter)
        return self.get_nowait()

    def take(self, loop: asyncio.AbstractEventLoop) -> asyncio.Future[Any]:
        """The next item as a future: awaiting it needs no coroutine frame of its own (a
        waiting reader is one frame shorter). For a single consumer that does not use
        task_done/join; an item handed to a future that is then cancelled is lost, like a
        message to a task being cancelled."""
        taker: asyncio.Future[Any] = loop.create_future()
        if self._items:
            taker.set_result(self.get_nowait())
        else:
            if self._takers is None:
                self._takers = []
            self._takers.append(taker)
        return taker

    def task_done(self) -> None:
        if self._unfinished <= 0:
            raise ValueError("task_done() called too many times")
        self._unfinished -= 1
        if self._unfinished == 0 and self._finished is not None:
            self._finished.set()

    async def join(self) -> None:
        if self._unfinished > 0:
            if self._finished is None:
                self._finished = LightEvent()
            await self._finished.wait()

    def _wake_getter(self) -> None:
        for getter in self._getters or ():
            if not getter.done():
                getter.set_result(None)
                return

    def _remove_getter(self, getter: asyncio.Future[None]) -> None:
        if self._getters is not None:
            if getter in self._getters:
                self._getters.remove(getter)
            if not self._getters:
                self._getters = None


class LightEvent:
    """``asyncio.Event`` without a deque: set, clear, is_set, wait."""

    __slots__ = ("_value", "_waiters")

    def __init__(self) -> None:
        self._value = False
        self._waiters: list[asyncio.Future[bool]] | None = None

    def is_set(self) -> bool:
        return self._value

    def set(self) -> None:
        if not self._value:
            self._value = True
            waiters, self._waiters = self._waiters, None
            for waiter in waiters or ():
                if not waiter.done():
                    waiter.set_result(True)

    def clear(self) -> None:
        self._value = False

    async def wait(self) -> bool:
        if self._value:
            return True
        waiter: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        try:
            return await waiter
        finally:
            if self._waiters is not None and waiter in self._waiters:
                self._waiters.remove(waiter)
                if not self._waiters:
                    self._waiters = None
