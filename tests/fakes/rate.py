"""A platform's sending limit, as the fake servers enforce it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class SlidingWindow:
    """At most `per_second` calls in any one-second window (None: unlimited)."""

    per_second: float | None = None
    _calls: list[float] = field(default_factory=list)

    def over(self) -> bool:
        """True when this call would exceed the rate (it is then not counted)."""
        if self.per_second is None:
            return False
        now = time.monotonic()
        self._calls[:] = [t for t in self._calls if now - t < 1.0]
        if len(self._calls) >= self.per_second:
            return True
        self._calls.append(now)
        return False
