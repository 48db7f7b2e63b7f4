"""Durations counted in fixed log-spaced bins (each 25 % wider than the one before), so
rollups of any size merge by adding counts and a percentile is read from the merged bins
(within about 12 % of the true value)."""

from __future__ import annotations

import math

GROWTH = 1.25
FIRST = 10.0
"""Seconds: bin 0 holds everything shorter."""
BINS = 64
"""The last bin holds everything from about 15 years."""


def bin_of(seconds: float) -> int:
    if seconds < FIRST:
        return 0
    return min(BINS - 1, 1 + int(math.log(seconds / FIRST, GROWTH)))


def upper_edge(index: int) -> float:
    """The seconds at which bin `index` ends (what a percentile in it is reported as)."""
    return FIRST * GROWTH**index


def percentile(counts: dict[int, int], share: float) -> float | None:
    """The duration under which `share` (0-1) of the counted ones fall; None if none."""
    total = sum(counts.values())
    if total == 0:
        return None
    wanted = math.ceil(share * total)
    seen = 0
    for index in sorted(counts):
        seen += counts[index]
        if seen >= wanted:
            return round(upper_edge(index), 1)
    return round(upper_edge(max(counts)), 1)
