"""Sign-in attempt limits with growing delays, so guessing is slow but the owner is not locked
out by someone else's guesses.

Failures are counted per address *and* sign-in address together (someone guessing from
elsewhere does not lock the owner out) and per sign-in address alone (many addresses from one
place). Past the free attempts each failure doubles the wait (1 s, 2 s, 4 s ... 15 min), and
a refusal always says how long to wait (`Retry-After`). Counted in Redis, so every web
process agrees; in this process while Redis cannot be reached (the embedded broker
restarting), so signing in keeps working.
"""

from __future__ import annotations

import logging
import time

from redis.exceptions import RedisError

from inbox.errors import TooManyRequests
from inbox.runtime import Runtime

log = logging.getLogger(__name__)

MAX_WAIT = 900.0
FORGET_AFTER = 3600
"""Seconds after the last failure when its count is forgotten."""
PER_PLACE_FACTOR = 5
"""A sign-in address gets this many times the free attempts of one account."""
_local: dict[str, tuple[int, float, float]] = {}
"""Key -> (failures, blocked until, forgotten at), used only while Redis is unreachable."""


def wait_after(failures: int, free: int) -> float:
    """Seconds to wait after this many failures: none for the free ones, then doubling."""
    if failures < free:
        return 0.0
    return min(MAX_WAIT, 2.0 ** (failures - free))


def _keys(email: str, ip: str) -> list[tuple[str, int]]:
    return [(f"login:fail:{email}|{ip}", 1), (f"login:fail-ip:{ip}", PER_PLACE_FACTOR)]


async def check_allowed(rt: Runtime, email: str, ip: str) -> None:
    now = time.time()
    for key, _ in _keys(email, ip):
        try:
            until = float(await rt.redis.hget(key, "until") or 0)
        except RedisError:
            until = _local_state(key, now)[1]
        if until > now:
            raise TooManyRequests(
                f"Too many failed sign-in attempts. Try again in {max(1, round(until - now))} s.",
                until - now,
            )


async def record_failure(rt: Runtime, email: str, ip: str) -> None:
    now = time.time()
    free = rt.settings.login_attempts_per_15_min
    for key, factor in _keys(email, ip):
        try:
            failures = int(await rt.redis.hincrby(key, "failures", 1))
            async with rt.redis.pipeline(transaction=False) as pipe:
                pipe.hset(key, "until", now + wait_after(failures, free * factor))
                pipe.expire(key, FORGET_AFTER)
                await pipe.execute()
        except RedisError:
            failures = _local_state(key, now)[0] + 1
            until = now + wait_after(failures, free * factor)
            _local[key] = (failures, until, now + FORGET_AFTER)


async def clear_failures(rt: Runtime, email: str, ip: str) -> None:
    key = _keys(email, ip)[0][0]
    _local.pop(key, None)
    try:
        await rt.redis.delete(key)
    except RedisError:
        log.warning("sign-in limits: Redis unreachable, cleared in this process only")


def _local_state(key: str, now: float) -> tuple[int, float]:
    failures, until, forgotten_at = _local.get(key, (0, 0.0, 0.0))
    return (failures, until) if forgotten_at > now else (0, 0.0)
