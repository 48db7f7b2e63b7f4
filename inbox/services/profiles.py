"""Completing contacts' profiles after the fact, from the platform (names, pictures).

Messenger and Zalo webhooks carry only an id; asking the platform for the name is slow, so
it happens in the worker, on the `contact.created` event, never in the webhook's answer. A
lookup that may work later (the platform busy or unreachable, a token being refreshed) fails
the event, which the worker retries with backoff; a refusal keeps the name we have.
"""

from __future__ import annotations

import logging
from typing import Any

from connectors import registry
from connectors.base import SendError
from inbox.errors import NotFound
from inbox.runtime import Runtime
from inbox.services import channels
from inbox.services.contacts import records as contacts

log = logging.getLogger(__name__)


async def on_event(rt: Runtime, event: dict[str, Any]) -> None:
    """An event handler: look up the profile of a new contact whose name we do not know."""
    if event["type"] != "contact.created":
        return
    try:
        contact = await contacts.get(rt, event["subject"]["id"])
        if not contact.get("profile_pending") or not contact.get("identities"):
            return
        identity = contact["identities"][0]
        channel = await channels.load(rt, identity["channel_id"])
    except NotFound:
        return
    try:
        profile = await registry.for_channel(channel).fetch_profile(
            channel, identity["external_id"]
        )
    except SendError as error:
        if _worth_asking_again(error):
            raise
        log.info("no profile for contact %s: %s", contact["_id"], error)
        profile = None  # no permission, or a comment author's id: keep what we have
    await contacts.complete_profile(rt, contact, profile)


def _worth_asking_again(error: SendError) -> bool:
    """Reading a profile changes nothing, so even an unknown outcome may simply be asked again."""
    return error.retryable or error.unknown or error.stale_credentials
