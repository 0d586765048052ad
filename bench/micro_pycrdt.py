"""Micro-benchmark: what one single-character edit costs pycrdt/Yrs as the document grows.

A deterministic synthetic editing trace (the same generator as the load generator's
``buildTrace``: typing bursts at a wandering cursor, backspaces, selection deletes, four
authors) is built to several sizes; on each, a fifth client makes one-character edits at random
positions and the server side of Salon's edit path is timed step by step:

- ``get_state``: the document's state vector;
- ``cut``: ``pycrdt.get_update(update, state)``, the new part of the inbound update;
- ``apply``: ``Doc.apply_update`` with no observer;
- ``apply+observe``: ``Doc.apply_update`` with a ``Doc.observe`` callback that reads
  ``event.update`` (what Salon's room does to fan out the re-encoded update);
- ``apply+observe(lazy)``: the same callback without reading ``event.update``.

The second table is the case that does grow, for an upstream report: one client appending
one character at a time at the end of its own text. Yrs squashes such runs into one item
whose string keeps growing, and applying (and re-encoding for the observer) the next append
slices that string at a UTF-16 offset, so the cost grows with the run's length.

Run: ``python -m bench.micro_pycrdt [--sizes 10000,40000,160000] [--edits 2000]
[--appends 1000,10000,40000]``.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from typing import Any

import pycrdt

WORDS = "the of and to in is that for it as with was on be by this are from at or an have not"
WORDS_LIST = WORDS.split(" ")


class _Mulberry32:
    """The load generator's PRNG, so the Python trace has the same shape as the Node one."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def __call__(self) -> float:
        self.seed = (self.seed + 0x6D2B79F5) & 0xFFFFFFFF
        t = self.seed
        t = _imul(t ^ (t >> 15), 1 | t)
        t = ((t + _imul(t ^ (t >> 7), 61 | t)) & 0xFFFFFFFF) ^ t
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296


def _imul(a: int, b: int) -> int:
    return (a * b) & 0xFFFFFFFF


def build_trace(target_bytes: int, authors: int = 4) -> tuple[bytes, int]:
    """A document built by ``authors`` clients editing one text until it encodes to
    ``target_bytes``; returns (update, operations)."""
    rand = _Mulberry32(42)
    docs: list[pycrdt.Doc[Any]] = [pycrdt.Doc(client_id=1000 + i) for i in range(authors)]
    for doc in docs:
        doc["trace"] = pycrdt.Text()
    shared: pycrdt.Doc[Any] = pycrdt.Doc()
    ops = cursor = size = 0
    while size < target_bytes:
        author = docs[int(rand() * authors)]
        author.apply_update(shared.get_update(author.get_state()))
        text: pycrdt.Text = author["trace"]
        with author.transaction():
            for _ in range(200):
                ops += _trace_step(text, rand, cursor_ref := [cursor])
                cursor = cursor_ref[0]
        shared.apply_update(author.get_update(shared.get_state()))
        size = len(shared.get_update())
    return shared.get_update(), ops


def _trace_step(text: pycrdt.Text, rand: _Mulberry32, cursor: list[int]) -> int:
    roll = rand()
    length = len(text)
    if roll < 0.1:
        cursor[0] = int(rand() * (length + 1))
    cursor[0] = min(cursor[0], length)
    if roll < 0.8:
        word = WORDS_LIST[int(rand() * len(WORDS_LIST))] + " "
        for ch in word:
            text.insert(cursor[0], ch)
            cursor[0] += 1
        return len(word)
    if roll < 0.95 and cursor[0] > 0:
        n = min(cursor[0], 1 + int(rand() * 4))
        for _ in range(n):
            cursor[0] -= 1
            del text[cursor[0]]
        return n
    if length > 0:
        at = int(rand() * length)
        n = min(length - at, 1 + int(rand() * 30))
        del text[at : at + n]
        return 1
    return 0


def edits(state: bytes, count: int, seed: int = 7) -> list[bytes]:
    """``count`` one-character updates at random positions, each on top of the previous."""
    rng = random.Random(seed)
    writer: pycrdt.Doc[Any] = pycrdt.Doc(client_id=4242)
    writer.apply_update(state)
    text: pycrdt.Text = writer.get("trace", type=pycrdt.Text)
    out: list[bytes] = []
    sub = writer.observe(lambda event: out.append(event.update))
    for _ in range(count):
        text.insert(rng.randrange(len(text) + 1), "x")
    writer.unobserve(sub)
    return out


Setup = Callable[[pycrdt.Doc[Any]], object]
Step = Callable[[pycrdt.Doc[Any], bytes], object]


def _time_per_call(
    state: bytes, updates: list[bytes], step: Step, setup: Setup | None = None
) -> float:
    """CPU µs per call (process time: other load on the machine does not count), best of 3."""
    best = float("inf")
    for _ in range(3):
        doc: pycrdt.Doc[Any] = pycrdt.Doc()
        doc.apply_update(state)
        if setup is not None:
            setup(doc)
        began = time.process_time()
        for update in updates:
            step(doc, update)
        best = min(best, time.process_time() - began)
    return best / len(updates) * 1e6


def measure(state: bytes, updates: list[bytes]) -> dict[str, float]:
    sink: list[object] = []

    def observer(read: bool) -> Setup:
        return lambda doc: doc.observe(lambda e: sink.append(e.update if read else None))

    def apply(doc: pycrdt.Doc[Any], update: bytes) -> None:
        doc.apply_update(update)

    return {
        "get_state": _time_per_call(state, updates, lambda doc, u: doc.get_state()),
        "cut": _time_per_call(state, updates, lambda doc, u: pycrdt.get_update(u, doc.get_state())),
        "apply": _time_per_call(state, updates, apply),
        "apply+observe": _time_per_call(state, updates, apply, observer(True)),
        "apply+observe(lazy)": _time_per_call(state, updates, apply, observer(False)),
    }


def appends(length: int, measured: int = 500) -> dict[str, float]:
    """CPU µs per apply of one end-of-text append by the client that typed ``length`` chars."""
    writer: pycrdt.Doc[Any] = pycrdt.Doc(client_id=7)
    text = writer.get("t", type=pycrdt.Text)
    updates: list[bytes] = []
    sub = writer.observe(lambda event: updates.append(event.update))
    for _ in range(length):
        text += "x"
    writer.unobserve(sub)
    base: pycrdt.Doc[Any] = pycrdt.Doc()
    for update in updates[:-measured]:
        base.apply_update(update)
    state, tail = base.get_update(), updates[-measured:]
    sink: list[object] = []

    def apply(doc: pycrdt.Doc[Any], update: bytes) -> None:
        doc.apply_update(update)

    return {
        "apply": _time_per_call(state, tail, apply),
        "apply+observe": _time_per_call(
            state, tail, apply, lambda doc: doc.observe(lambda e: sink.append(e.update))
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,10000,40000,160000")
    parser.add_argument("--edits", type=int, default=2000)
    parser.add_argument("--appends", default="1000,10000,40000")
    args = parser.parse_args()
    print(f"pycrdt {pycrdt.__version__ if hasattr(pycrdt, '__version__') else '?'}")
    header = None
    for target in (int(s) for s in args.sizes.split(",")):
        state, ops = build_trace(target)
        updates = edits(state, args.edits)
        result = measure(state, updates)
        if header is None:
            header = ["bytes", "ops", *result]
            print(" | ".join(f"{h:>19}" for h in header))
        row = [len(state), ops, *(f"{v:.1f} µs" for v in result.values())]
        print(" | ".join(f"{v!s:>19}" for v in row))
    print("\none client appending at the end of its own text (one squashed item):")
    for length in (int(s) for s in args.appends.split(",")):
        cost = appends(length)
        print(f"{length:>7} chars: " + ", ".join(f"{k} {v:.1f} µs" for k, v in cost.items()))


if __name__ == "__main__":
    main()
