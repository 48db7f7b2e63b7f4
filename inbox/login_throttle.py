"""Sign-in attempt limits: failures are counted per address and per IP for 15 minutes.

Counted in Redis, so every web process agrees; while Redis cannot be reached (the embedded
broker restarting) counted in this process instead, so signing in keeps working.
"""

from __future__ import annotations

import logging
import time

from redis.exceptions import RedisError

from inbox.errors import TooManyRequests
from inbox.runtime import Runtime

log = logging.getLogger(__name__)

WINDOW_SECONDS = 900
_local: dict[str, tuple[int, float]] = {}
"""Key -> (failures, when the count expires), used only while Redis is unreachable."""


def _keys(email: str, ip: str) -> tuple[str, str]:
    return f"login:fail:{email}", f"login:fail-ip:{ip}"


def _local_count(key: str) -> int:
    count, expires = _local.get(key, (0, 0.0))
    return count if expires > time.monotonic() else 0


async def check_allowed(rt: Runtime, email: str, ip: str) -> None:
    limit = rt.settings.login_attempts_per_15_min
    by_email, by_ip = _keys(email, ip)
    try:
        counts = [int(c or 0) for c in await rt.redis.mget(by_email, by_ip)]
    except RedisError:
        log.warning("sign-in limits: Redis unreachable, counting in this process")
        counts = [_local_count(by_email), _local_count(by_ip)]
    if counts[0] >= limit or counts[1] >= limit * 5:
        raise TooManyRequests("Too many failed sign-in attempts. Try again in 15 minutes.")


async def record_failure(rt: Runtime, email: str, ip: str) -> None:
    try:
        async with rt.redis.pipeline(transaction=False) as pipe:
            for key in _keys(email, ip):
                pipe.incr(key)
                pipe.expire(key, WINDOW_SECONDS, nx=True)
            await pipe.execute()
    except RedisError:
        now = time.monotonic()
        for key in _keys(email, ip):
            count, expires = _local.get(key, (0, 0.0))
            if expires <= now:
                count, expires = 0, now + WINDOW_SECONDS
            _local[key] = (count + 1, expires)


async def clear_failures(rt: Runtime, email: str) -> None:
    _local.pop(f"login:fail:{email}", None)
    try:
        await rt.redis.delete(f"login:fail:{email}")
    except RedisError:
        log.warning("sign-in limits: Redis unreachable, cleared in this process only")
