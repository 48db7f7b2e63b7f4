"""Did a failed request reach the platform? Transport errors of the HTTP clients we use, sorted
into *not sent* (safe to try again) and *may have arrived* (never re-sent automatically:
a platform finishes a request whose client went away, and the customer would get it twice).
"""

from __future__ import annotations

import aiohttp
import httpx
import requests
import urllib3.exceptions

from connectors.base import SendError

_NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    requests.exceptions.ConnectTimeout,
    requests.exceptions.SSLError,
    aiohttp.ClientConnectorError,
    aiohttp.ConnectionTimeoutError,
    urllib3.exceptions.NewConnectionError,
)


def may_have_arrived(error: BaseException) -> bool:
    """False only when the request provably never left (no connection, TLS refused, no slot)."""
    if isinstance(error, _NOT_SENT):
        return False
    if isinstance(error, requests.exceptions.ConnectionError):
        reason = error.args[0] if error.args else None
        inner = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
        return not isinstance(inner, _NOT_SENT)
    return True


def transport_error(platform: str, error: BaseException) -> SendError:
    """The SendError for a request that failed below HTTP (no answer was read)."""
    if may_have_arrived(error):
        return SendError(
            f"No answer from {platform} ({type(error).__name__}); the message may have been "
            "delivered.",
            retryable=False,
            unknown=True,
            code="outcome_unknown",
        )
    return SendError(
        f"Could not reach {platform}: {type(error).__name__} {error}".strip(),
        retryable=True,
        code="network",
    )


def after_parts(error: SendError, delivered: int) -> SendError:
    """A failure after `delivered` parts of one message reached the customer (attachments, long
    text cut in parts): never retried, since the parts that arrived would arrive again."""
    if delivered == 0 or error.unknown:
        return error
    return SendError(
        f"Only the first {delivered} part(s) reached the customer ({error}); sending again "
        "would repeat them.",
        retryable=False,
        unknown=True,
        code="partly_sent",
    )
