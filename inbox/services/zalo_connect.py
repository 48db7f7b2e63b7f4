"""Connecting a Zalo Official Account with Zalo's OAuth (PKCE) instead of pasted tokens.

`start` keeps the admin's app keys and a PKCE verifier under a random, single-use `state`
for ten minutes and answers with Zalo's permission page; `finish`, on Zalo's redirect back,
takes that request (once, and only for the admin who started it), exchanges the code for
the first tokens and connects the channel like any other.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from bson import ObjectId

from connectors import zalo_oauth
from connectors.base import SetupError
from inbox import clock
from inbox.errors import Invalid, Upstream
from inbox.ids import new_id
from inbox.models.channels import ChannelCreate, ChannelOut, ZaloAuthorization, ZaloAuthorize
from inbox.runtime import Runtime
from inbox.services import channels

CALLBACK_PATH = "/oauth/zalo/callback"
LIFETIME = timedelta(minutes=10)


def callback_url(rt: Runtime) -> str:
    """The address to enter as the Zalo app's callback URL."""
    return rt.settings.base_url + CALLBACK_PATH


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


async def start(rt: Runtime, body: ZaloAuthorize, admin_id: ObjectId) -> ZaloAuthorization:
    state, verifier = secrets.token_urlsafe(24), zalo_oauth.new_verifier()
    keys = {
        "app_secret_key": body.app_secret_key.get_secret_value(),
        "oa_secret_key": body.oa_secret_key.get_secret_value(),
        "verifier": verifier,
    }
    expires_at = clock.now() + LIFETIME
    await rt.store["oauth_requests"].insert_one(
        {
            "_id": new_id(),
            "state_hash": _hash(state),
            "agent_id": admin_id,
            "name": body.name,
            "app_id": body.app_id,
            "base_urls": body.base_urls(),
            "secrets": rt.secrets.encrypt(keys),
            "expires_at": expires_at,
        }
    )
    oauth_base = body.oauth_base_url or zalo_oauth.DEFAULT_OAUTH
    url = zalo_oauth.permission_url(oauth_base, body.app_id, callback_url(rt), verifier, state)
    return ZaloAuthorization(
        authorize_url=url, redirect_uri=callback_url(rt), expires_at=clock.iso(expires_at)
    )


async def finish(rt: Runtime, state: str, code: str, oa_id: str, admin_id: ObjectId) -> ChannelOut:
    """Zalo sent the admin back: exchange the code and connect the Official Account."""
    request = await rt.store["oauth_requests"].find_one_and_delete(
        {"state_hash": _hash(state), "agent_id": admin_id}
    )
    if request is None or request["expires_at"] < clock.now():
        raise Invalid("This Zalo sign-in expired or was already used: connect again.")
    if not code or not oa_id:
        raise Invalid("Zalo did not grant access to an Official Account: connect again.")
    keys = rt.secrets.decrypt(request["secrets"])
    oauth_base = request["base_urls"].get("oauth_base_url", zalo_oauth.DEFAULT_OAUTH)
    try:
        tokens = await zalo_oauth.exchange_code(
            oauth_base, request["app_id"], keys["app_secret_key"], code, keys["verifier"]
        )
    except SetupError as error:
        raise (Upstream if error.retryable else Invalid)(str(error)) from None
    config = {
        "oa_id": oa_id,
        "app_id": request["app_id"],
        "oa_secret_key": keys["oa_secret_key"],
        "app_secret_key": keys["app_secret_key"],
        **tokens.secrets,
        **request["base_urls"],
    }
    return await channels.create(
        rt, ChannelCreate(kind="zalo", name=request["name"], config=config)
    )
