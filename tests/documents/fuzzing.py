"""Hostile inputs for document fuzz tests: random, mutated and truncated Yjs/awareness bytes."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

import pycrdt


def valid_updates(rng: random.Random, count: int) -> list[bytes]:
    """Real updates of one attacker-owned doc: inserts, deletes, formatting, maps."""
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    text = doc.get("content", type=pycrdt.Text)
    meta = doc.get("meta", type=pycrdt.Map)
    updates = []
    for i in range(count):
        before = doc.get_state()
        choice = rng.random()
        if choice < 0.6 or len(text) < 3:
            # pycrdt indexes by UTF-8 byte: keep the attacker's own edits ASCII so its random
            # positions are valid; non-ASCII content reaches the server via mutation anyway.
            text.insert(rng.randint(0, len(text)), rng.choice(["x", "yz", "\n"]))
        elif choice < 0.8:
            start = rng.randint(0, len(text) - 2)
            del text[start : start + 1]
        elif choice < 0.9:
            text.format(0, min(2, len(text)), {"bold": True})
        else:
            meta[f"k{i}"] = rng.random()
        updates.append(doc.get_update(before))
    return updates


def mutate(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.random()
        if not out or kind < 0.4:
            out.insert(rng.randint(0, len(out)), rng.randrange(256))
        elif kind < 0.7:
            out[rng.randrange(len(out))] = rng.randrange(256)
        elif kind < 0.85:
            del out[rng.randrange(len(out))]
        else:
            out = out[: rng.randrange(len(out) + 1)]
    return bytes(out)


def awareness_garbage(rng: random.Random) -> bytes:
    state = json.dumps({"user": {"name": "x" * rng.randint(0, 50)}}).encode()
    valid = bytes([1, rng.randrange(128), rng.randrange(128), len(state)]) + state
    return mutate(rng, valid) if rng.random() < 0.7 else rng.randbytes(rng.randint(0, 40))


def hostile_updates(seed: int, count: int) -> Iterator[bytes]:
    rng = random.Random(seed)
    base = valid_updates(rng, 50)
    for _ in range(count):
        kind = rng.random()
        if kind < 0.25:
            yield rng.randbytes(rng.randint(0, 80))
        elif kind < 0.45:
            update = rng.choice(base)
            yield update[: rng.randrange(len(update))]
        else:
            yield mutate(rng, rng.choice(base))


def hostile_payloads(seed: int) -> Iterator[Any]:
    """Things that are not bytes at all."""
    rng = random.Random(seed)
    while True:
        yield rng.choice(["text", 42, None, [1, 2], {"a": b"x"}, 3.5, True, "", {}])
