"""Completing contacts' profiles after the fact, from the platform (names, pictures).

Messenger and Zalo webhooks carry only an id; asking the platform for the name is slow, so
it happens in the worker, on the `contact.created` event, never in the webhook's answer.
"""

from __future__ import annotations

from typing import Any

from connectors import registry
from inbox.errors import NotFound
from inbox.runtime import Runtime
from inbox.services import channels
from inbox.services.contacts import records as contacts


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
    profile = await registry.for_channel(channel).fetch_profile(channel, identity["external_id"])
    await contacts.complete_profile(rt, contact, profile)
