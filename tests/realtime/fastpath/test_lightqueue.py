"""The light queue and event keep asyncio.Queue's and asyncio.Event's semantics where engine.io
and uvicorn rely on them: order, waking, cancellation, task_done/join, direct hand-over."""

from __future__ import annotations

import asyncio

import pytest

from salon.realtime.fastpath.lightqueue import LightEvent, LightQueue


async def test_items_come_out_in_order_and_waiters_wake() -> None:
    queue = LightQueue()
    getter = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    queue.put_nowait("a")
    await queue.put("b")
    assert await getter == "a"
    assert queue.qsize() == 1 and not queue.empty()
    assert queue.get_nowait() == "b"
    with pytest.raises(asyncio.QueueEmpty):
        queue.get_nowait()


async def test_a_getter_cancelled_after_being_woken_passes_the_item_on() -> None:
    queue = LightQueue()
    first = asyncio.create_task(queue.get())
    second = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    queue.put_nowait("only")
    first.cancel()  # woken, then cancelled before it ran: the item stays for the other
    assert await second == "only"
    with pytest.raises(asyncio.CancelledError):
        await first
    assert queue.empty()


async def test_join_waits_for_task_done() -> None:
    queue = LightQueue()
    await queue.join()  # nothing unfinished
    queue.put_nowait(1)
    joined = asyncio.create_task(queue.join())
    await asyncio.sleep(0)
    assert not joined.done()
    queue.get_nowait()
    queue.task_done()
    await asyncio.wait_for(joined, 1)
    with pytest.raises(ValueError):
        queue.task_done()


async def test_take_hands_items_over_in_order() -> None:
    loop = asyncio.get_running_loop()
    queue = LightQueue()
    queue.put_nowait("queued")
    assert await queue.take(loop) == "queued"
    waiting = queue.take(loop)
    cancelled = queue.take(loop)
    cancelled.cancel()
    queue.put_nowait("next")
    queue.put_nowait("later")
    assert await waiting == "next"
    assert await queue.take(loop) == "later"


async def test_event_wakes_every_waiter_and_can_be_cleared() -> None:
    event = LightEvent()
    waiters = [asyncio.create_task(event.wait()) for _ in range(3)]
    await asyncio.sleep(0)
    assert not event.is_set()
    event.set()
    assert await asyncio.gather(*waiters) == [True, True, True]
    event.clear()
    late = asyncio.create_task(event.wait())
    await asyncio.sleep(0)
    assert not late.done()
    event.set()
    assert await late
