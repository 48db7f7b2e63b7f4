"""An SMS gateway reached over HTTP, for shops whose customers expect SMS: the address,
method, body (a JSON object or form fields whose values may hold `{phone}` and `{text}`),
an authorisation header, and what says it worked (a 2xx answer, and a word in its body if
set). Gateways differ too much for one API; this covers the common ones (eSMS, SpeedSMS,
Twilio-like) without code."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import aiohttp
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, StringConstraints

from connectors import http
from connectors.base import SendError
from connectors.outcomes import transport_error

RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
FIELD_NAME = r"^[A-Za-z][A-Za-z0-9_-]{0,39}$"


class SmsGateway(BaseModel):
    """How to send one SMS (`auth_value` is a secret: kept encrypted, never shown again)."""

    model_config = ConfigDict(extra="forbid")

    url: HttpUrl
    method: Literal["POST", "PUT", "GET"] = "POST"
    encoding: Literal["json", "form"] = "json"
    body: dict[
        Annotated[str, StringConstraints(pattern=FIELD_NAME)], Annotated[str, Field(max_length=500)]
    ] = Field(
        default_factory=lambda: {"to": "{phone}", "message": "{text}"},
        max_length=20,
        description="fields sent; `{phone}` and `{text}` are filled in (GET: the query)",
    )
    auth_header: str | None = Field(default=None, max_length=60, pattern=r"^[A-Za-z0-9-]+$")
    auth_value: str | None = Field(default=None, max_length=500)
    success_contains: str | None = Field(
        default=None, max_length=100, description="the answer's body must contain this too"
    )
    timeout_seconds: float = Field(default=15, gt=0, le=60)


def fields_for(gateway: SmsGateway, phone: str, text: str) -> dict[str, str]:
    """The body's fields with the phone and text put in (each value filled on its own, so a
    text with quotes or braces cannot break the body)."""
    return {
        key: value.replace("{phone}", phone).replace("{text}", text)
        for key, value in gateway.body.items()
    }


async def send(gateway: SmsGateway, phone: str, text: str) -> None:
    """Send one SMS; raises SendError (retryable when the gateway asks for it)."""
    fields = fields_for(gateway, phone, text)
    headers = {gateway.auth_header: gateway.auth_value or ""} if gateway.auth_header else {}
    request: dict[str, Any] = {"headers": headers}
    if gateway.method == "GET":
        request["params"] = fields
    elif gateway.encoding == "json":
        request["json"] = fields
    else:
        request["data"] = fields
    timeout = aiohttp.ClientTimeout(total=gateway.timeout_seconds)
    try:
        async with http.session().request(
            gateway.method, str(gateway.url), timeout=timeout, **request
        ) as response:
            answer = await response.text()
    except (aiohttp.ClientError, TimeoutError) as error:
        raise transport_error("the SMS gateway", error) from None
    if response.status >= 400:
        raise SendError(
            f"The SMS gateway answered HTTP {response.status}: {answer[:200]}",
            retryable=response.status in RETRYABLE_STATUSES,
            code=f"http_{response.status}",
        )
    if gateway.success_contains and gateway.success_contains not in answer:
        raise SendError(
            f"The SMS gateway did not confirm the message: {answer[:200]}",
            retryable=False,
            code="not_confirmed",
        )
