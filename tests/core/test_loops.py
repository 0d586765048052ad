"""BatchLoop: order, batching window, errors logged and survived, cancel, flush on stop."""

from __future__ import annotations

import asyncio
import logging

import pytest

from salon.core.loops import BatchLoop, Pace

log = logging.getLogger("tests.loops")


class Sink:
    """A producer/consumer pair like the documents' writers: a queue swapped out per run."""

    def __init__(self, fail: int = 0) -> None:
        self.queue: list[int] = []
        self.batches: list[list[int]] = []
        self.runs: list[float] = []
        self.fail = fail

    async def process(self) -> None:
        self.runs.append(asyncio.get_running_loop().time())
        batch, self.queue = self.queue, []
        if self.fail:
            self.fail -= 1
            self.queue[:0] = batch  # put back, as the update writer does
            raise RuntimeError("boom")
        if batch:
            self.batches.append(batch)


def loop_for(
    sink: Sink, window_s: float, pace: Pace = Pace.GATHER, retry_s: float | None = None
) -> BatchLoop:
    return BatchLoop(
        "test-loop",
        sink.process,
        window_s,
        log=log,
        failure="test batch failed",
        pace=pace,
        retry_s=retry_s,
    )


async def test_items_of_one_window_form_one_batch_in_order() -> None:
    sink = Sink()
    loop = loop_for(sink, 0.05)
    loop.start()
    for i in range(5):
        sink.queue.append(i)
        loop.wake()
        await asyncio.sleep(0.001)
    await asyncio.sleep(0.1)
    sink.queue.append(5)
    loop.wake()
    await asyncio.sleep(0.1)
    await loop.stop()
    assert sink.batches == [[0, 1, 2, 3, 4], [5]]


async def test_gather_waits_a_full_window_even_when_idle() -> None:
    sink = Sink()
    loop = loop_for(sink, 0.05)
    loop.start()
    await asyncio.sleep(0.2)  # long idle
    woken = asyncio.get_running_loop().time()
    sink.queue.append(1)
    loop.wake()
    await asyncio.sleep(0.1)
    await loop.stop()
    assert sink.runs[0] - woken >= 0.045


async def test_spaced_runs_at_once_when_idle_and_once_per_window_when_busy() -> None:
    sink = Sink()
    loop = loop_for(sink, 0.05, pace=Pace.SPACED)
    loop.start()
    await asyncio.sleep(0.1)
    clock = asyncio.get_running_loop()
    woken = clock.time()
    sink.queue.append(1)
    loop.wake()
    await asyncio.sleep(0.005)
    assert sink.batches == [[1]] and sink.runs[0] - woken < 0.02  # idle: out at once
    for i in range(2, 6):  # busy: the rest of the window gathers the burst
        sink.queue.append(i)
        loop.wake()
        await asyncio.sleep(0.002)
    await asyncio.sleep(0.08)
    await loop.stop()
    assert sink.batches == [[1], [2, 3, 4, 5]]
    assert sink.runs[1] - sink.runs[0] >= 0.045


async def test_an_error_is_logged_and_the_loop_continues(caplog: pytest.LogCaptureFixture) -> None:
    sink = Sink(fail=1)
    loop = loop_for(sink, 0.01)
    loop.start()
    sink.queue.append(1)
    loop.wake()
    await asyncio.sleep(0.05)
    assert "test batch failed" in caplog.text and loop.running
    sink.queue.append(2)
    loop.wake()
    await asyncio.sleep(0.05)
    await loop.stop()
    # without retry_s the loop waits for the next wake; the put-back item goes with it
    assert sink.batches == [[1, 2]]


async def test_retry_runs_again_after_an_error_without_a_new_wake() -> None:
    sink = Sink(fail=2)
    loop = loop_for(sink, 0.01, retry_s=0.02)
    loop.start()
    sink.queue.append(1)
    loop.wake()
    await asyncio.sleep(0.2)
    assert sink.batches == [[1]] and len(sink.runs) == 3
    await loop.stop()


async def test_stop_cancels_a_waiting_batch_and_processes_it() -> None:
    sink = Sink()
    loop = loop_for(sink, 10.0)  # the window would never end within the test
    loop.start()
    sink.queue.append(1)
    loop.wake()
    await asyncio.sleep(0.01)
    await loop.stop()
    assert sink.batches == [[1]] and not loop.running


async def test_cancel_during_process_is_not_swallowed() -> None:
    started = asyncio.Event()

    async def slow() -> None:
        started.set()
        await asyncio.sleep(10)

    loop = BatchLoop("slow", slow, 0.0, log=log, failure="x")
    loop.start()
    loop.wake()
    await started.wait()
    task = loop._task
    assert task is not None
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_an_error_of_the_final_run_reaches_the_caller() -> None:
    sink = Sink(fail=1)
    loop = loop_for(sink, 0.01)
    sink.queue.append(1)
    with pytest.raises(RuntimeError):
        await loop.stop()  # never started: stop still flushes
    assert sink.queue == [1]
