"""Zalo's OAuth v4 for Official Accounts, with PKCE: the first grant of an OA's tokens.

The admin is sent to Zalo's permission page with a code challenge; Zalo sends them back to
our callback with `code` (and `oa_id`), which is exchanged, with the verifier, for the first
access and refresh tokens. Refreshing them later is `ZaloConnector.refresh_credentials`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import aiohttp

from connectors import http
from connectors.base import Refreshed, SetupError

DEFAULT_OAUTH = "https://oauth.zaloapp.com"
ERRORS: dict[int, str] = {
    -14002: "Zalo refused the app id or the app secret key.",
    -14003: "Zalo refused the request (an invalid parameter).",
    -14019: "Zalo refused the code: it was already used or has expired. Connect again.",
    -14020: "The refresh token was used or expired: reconnect the Official Account.",
}


def new_verifier() -> str:
    """A PKCE code verifier: 43 characters of base64url randomness."""
    return secrets.token_urlsafe(32)


def challenge_of(verifier: str) -> str:
    """The S256 code challenge: base64url(SHA-256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def permission_url(
    oauth_base: str, app_id: str, redirect_uri: str, verifier: str, state: str
) -> str:
    """Where the admin grants our app access to their Official Account."""
    query = {
        "app_id": app_id,
        "redirect_uri": redirect_uri,
        "code_challenge": challenge_of(verifier),
        "state": state,
    }
    return f"{oauth_base.rstrip('/')}/v4/oa/permission?{urlencode(query)}"


async def request_tokens(
    oauth_base: str, app_secret_key: str, form: dict[str, str], purpose: str
) -> Refreshed:
    """One call to Zalo's token endpoint (a code exchange or a refresh)."""
    url = oauth_base.rstrip("/") + "/v4/oa/access_token"
    try:
        async with http.session().post(
            url, data=form, headers={"secret_key": app_secret_key}
        ) as answer:
            body = await answer.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError) as error:
        raise SetupError(f"Could not reach Zalo to {purpose}: {error}", retryable=True) from None
    if not isinstance(body, dict) or "access_token" not in body:
        code = body.get("error") if isinstance(body, dict) else None
        text = ERRORS.get(code, f"Zalo refused to {purpose} ({code}).")
        raise SetupError(text, retryable=False)
    expires_in = int(body.get("expires_in", 90000))
    return Refreshed(
        secrets={"access_token": body["access_token"], "refresh_token": body["refresh_token"]},
        expires_at=datetime.now(UTC) + timedelta(seconds=expires_in),
    )


async def exchange_code(
    oauth_base: str, app_id: str, app_secret_key: str, code: str, verifier: str
) -> Refreshed:
    form = {
        "code": code,
        "app_id": app_id,
        "grant_type": "authorization_code",
        "code_verifier": verifier,
    }
    return await request_tokens(oauth_base, app_secret_key, form, "grant access")
