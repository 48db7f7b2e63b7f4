"""External bots: a developer's own bot in front of a channel, like Chatwoot's agent bots.

For each customer message in a conversation the bot holds, the product POSTs a signed event
to the bot's URL (see docs/bot.md for the body and the signature); the bot answers through
the REST API with its own token (`POST /api/v1/conversations/{id}/messages`, and
`PATCH /api/v1/conversations/{id}` with `{"status": "open"}` to hand over). When the bot does
not answer 2xx within its timeout, the conversation is handed over to the agents at once.
"""

from __future__ import annotations

import json
from typing import Any

from bson import ObjectId

from automations.bot import config as bots
from automations.bot.engine import Turn, language_of
from automations.rules import webhooks
from inbox.models.conversations import ConversationOut, ConversationStatus, MessageOut
from inbox.runtime import Runtime
from inbox.services import conversations, messages


async def forward(rt: Runtime, message_id: str) -> str:
    """Send one customer message to the channel's external bot; hand over if it fails."""
    message = await messages.get(rt, ObjectId(message_id))
    conversation = await conversations.get(rt, message["conversation_id"])
    config = await bots.for_channel(rt, conversation["channel_id"])
    if conversation["status"] != ConversationStatus.BOT or not (config or {}).get("external_url"):
        return "skipped"
    body = json.dumps(event_body(rt, conversation, message)).encode()
    _, error = await webhooks.post(
        config["external_url"],
        body,
        bots.external_secret(rt, config),
        seconds=config["external_timeout_seconds"],
    )
    if error is None:
        return "delivered"
    language = await language_of(rt, conversation)
    turn = Turn(rt, config, conversation, message, language)
    await turn.hand_off(None, f"the external bot did not answer ({error})", "bot_unreachable")
    return "handed_off"


def event_body(
    rt: Runtime, conversation: dict[str, Any], message: dict[str, Any]
) -> dict[str, Any]:
    base = rt.settings.base_url.rstrip("/")
    return {
        "event": "message.created",
        "conversation": ConversationOut.of(conversation).model_dump(mode="json"),
        "message": MessageOut.of(message).model_dump(mode="json"),
        "reply_url": f"{base}/api/v1/conversations/{conversation['_id']}/messages",
    }
