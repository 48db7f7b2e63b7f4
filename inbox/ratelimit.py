"""Sending limits shared by every worker process: GCRA (a leaky bucket) in Redis.

One Redis key per limit holds the theoretical arrival time of the next send; a Lua script
checks and advances it atomically, using Redis's clock so all workers agree.
"""

from __future__ import annotations

from redis.asyncio import Redis

from connectors.base import RateLimit

# KEYS[1]: the limit; ARGV: interval in microseconds, burst. Returns microseconds to wait.
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local allow_at = tat + interval - interval * burst
if now < allow_at then return allow_at - now end
local new_tat = tat + interval
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now) / 1000) + 1000)
return 0
"""


class Limiter:
    def __init__(self, redis: Redis) -> None:
        self._script = redis.register_script(_GCRA)

    async def wait_time(self, limit: RateLimit) -> float:
        """Take a slot now and return 0, or return the seconds until one is free."""
        interval = int(1_000_000 / limit.per_second)
        waited = await self._script(keys=[f"ratelimit:{limit.key}"], args=[interval, limit.burst])
        return int(waited) / 1_000_000

    async def take(self, limits: list[RateLimit]) -> float:
        """Take a slot in each limit in order: 0 when all had room, else the seconds to wait.

        Slots already taken from earlier limits stay spent; they refill at their own rate.
        """
        for number, limit in enumerate(limits):
            wait = await self.wait_time(limit)
            if wait > 0:
                # An earlier limit's slot is spent; it will be refilled at its rate anyway.
                return wait if number == 0 else max(wait, 1 / limit.per_second)
        return 0.0
