"""Current time, in UTC and at MongoDB's millisecond precision, so stored and held values match."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def now() -> datetime:
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, the form every API answer uses."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def is_time_zone(name: str) -> bool:
    """Whether the name is an IANA time zone this machine knows (Asia/Ho_Chi_Minh)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
