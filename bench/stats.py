"""Latency histograms sent by the load generator: 0.1 ms buckets, merged across processes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

BUCKET_MS = 0.1

Sparse = Iterable[list[int] | tuple[int, int]]


class Histogram:
    def __init__(self) -> None:
        self.counts: Counter[int] = Counter()

    def merge(self, sparse: Sparse) -> None:
        for bucket, count in sparse:
            self.counts[int(bucket)] += int(count)

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    def percentile(self, q: float) -> float | None:
        """The q-th percentile in ms (bucket midpoint), None when nothing was recorded."""
        total = self.n
        if total == 0:
            return None
        rank = max(1, round(total * q / 100))
        seen = 0
        for bucket in sorted(self.counts):
            seen += self.counts[bucket]
            if seen >= rank:
                return (bucket + 0.5) * BUCKET_MS
        return None


def merged(parts: Iterable[Sparse]) -> Histogram:
    hist = Histogram()
    for part in parts:
        hist.merge(part)
    return hist
