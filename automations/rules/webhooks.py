"""The call_webhook action: a signed POST to the admin's URL, from a worker task.

The body is JSON with the rule, the event and the field values; `X-Inbox-Signature-256` is
`sha256=` + the HMAC-SHA256 of the body keyed with the action's secret (when it has one).
Failures are recorded in the rule's run and retried by the task with backoff.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import aiohttp

from automations.rules import definitions as rules
from automations.rules import engine
from inbox import clock
from inbox.events import public_view
from inbox.runtime import Runtime

TIMEOUT = aiohttp.ClientTimeout(total=10)
SIGNATURE_HEADER = "X-Inbox-Signature-256"


class WebhookFailed(Exception):
    """The receiver did not answer 2xx in time; the task retries."""


async def call(rt: Runtime, run_id: str, url: str) -> int:
    """POST the run's event to `url`; returns the HTTP status (raises WebhookFailed)."""
    ids = engine.parse_run_id(run_id)
    entry = await rt.store["rule_runs"].find_one({"_id": ids[0]}) if ids else None
    if ids is None or entry is None:
        return 0
    index = next((i for i, r in enumerate(entry["runs"]) if r["rule_id"] == ids[1]), None)
    rule = await rt.store["rules"].find_one({"_id": ids[1]})
    event = await rt.store["events"].find_one({"_id": ids[0]})
    action = next(
        (
            a
            for a in (rule or {}).get("actions", [])
            if a.get("type") == "call_webhook" and a["url"] == url
        ),
        None,
    )
    if index is None or rule is None or event is None or action is None:
        return 0
    body = json.dumps(
        {
            "rule": {"id": str(rule["_id"]), "name": rule["name"]},
            "event": public_view(event),
            "values": entry.get("values", {}),
        },
        default=str,
    ).encode()
    secret = rules.webhook_secret(rt, action)
    status, error = await post(url, body, secret)
    attempt = {"url": url, "status": status, "error": error, "at": clock.iso(clock.now())}
    await rt.store["rule_runs"].update_one(
        {"_id": entry["_id"]}, {"$push": {f"runs.{index}.webhooks": attempt}}
    )
    if error is not None:
        raise WebhookFailed(error)
    return status


def signature(secret: str, body: bytes) -> str:
    """`sha256=` and the hex HMAC-SHA256 of the body keyed with the secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def post(
    url: str, body: bytes, secret: str | None, seconds: float = TIMEOUT.total or 10
) -> tuple[int, str | None]:
    """POST JSON, signed when there is a secret; (status, None) on 2xx, else (status, why)."""
    headers = {"Content-Type": "application/json"}
    if secret:
        headers[SIGNATURE_HEADER] = signature(secret, body)
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=seconds)) as session,
            session.post(url, data=body, headers=headers) as response,
        ):
            if 200 <= response.status < 300:
                return response.status, None
            return response.status, f"HTTP {response.status}"
    except (aiohttp.ClientError, TimeoutError) as error:
        return 0, f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
