"""How a fake platform answers a send it has taken: at once, after a delay, or not at all.

A real platform finishes a request whose client went away, so the fakes record a send when
it arrives and only then wait or drop the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Slowness:
    delay: float = 0.0
    """Seconds to wait before answering."""
    drop: bool = False
    """Close the connection instead of answering."""
    _released: asyncio.Event = field(default_factory=asyncio.Event)

    def release(self) -> None:
        """End every wait now (at the end of a test: a fake must not hold its server open)."""
        self._released.set()

    async def before_answer(self, transport: Any) -> bool:
        """Wait as scripted; False when the connection was dropped (answer nothing)."""
        if self.drop:
            transport.abort()
            return False
        if self.delay and not self._released.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._released.wait(), self.delay)
        return True
