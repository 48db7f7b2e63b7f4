"""What agents write into a conversation: replies to the customer and internal notes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bson import ObjectId

from connectors import registry
from connectors.base import ALWAYS_OPEN, ReplyWindow
from inbox import clock
from inbox.auth import Principal
from inbox.errors import Conflict, Invalid
from inbox.events import Actor, Scope
from inbox.ids import parse_id
from inbox.models.conversations import ConversationPatch, MessageCreate, MessageOut
from inbox.queue import DELIVER_MESSAGE
from inbox.runtime import Runtime
from inbox.services import channels, conversations, files, messages, notifications

COMMENT_MODES = ("public", "private")


async def reply_window(rt: Runtime, conversation: dict[str, Any]) -> ReplyWindow:
    """Whether the platform lets an agent answer this conversation now."""
    doc = await rt.store["channels"].find_one({"_id": conversation["channel_id"]})
    if doc is None:
        return ReplyWindow(open=False, note="The channel was disconnected.")
    if not doc.get("enabled", True):
        return ReplyWindow(
            open=False, note="The channel is disabled: an admin can enable it in Admin → Channels."
        )
    channel = channels.ref(rt, doc)
    connector = registry.for_channel(channel) if channel.demo else registry.get(channel.kind)
    if connector is None:
        return ALWAYS_OPEN
    return connector.reply_window(
        channel,
        conversation.get("last_customer_message_at"),
        clock.now(),
        conversation.get("kind", "message"),
    )


async def post(
    rt: Runtime, conversation_id: str, body: MessageCreate, principal: Principal
) -> dict[str, Any]:
    """An agent's reply (queued for delivery) or internal note, with uploaded attachments."""
    conversation = await conversations.get_visible(rt, conversation_id, principal)
    return await post_in(rt, conversation, body, principal, Scope.of_conversation(conversation))


async def post_in(
    rt: Runtime,
    conversation: dict[str, Any],
    body: MessageCreate,
    principal: Principal,
    seen_from: Scope,
) -> dict[str, Any]:
    """Post into a conversation the agent may work on; `seen_from` is where mentions point."""
    actor = principal.actor
    if body.private:
        mentioned = await notifications.mentioned_agents(rt, body.mentions, seen_from)
        attachments = await _attachments(rt, body, principal, conversation["_id"])
        note = await messages.insert_note(
            rt, conversation, body.text, actor, attachments, [a["_id"] for a in mentioned]
        )
        await notifications.mentioned(rt, mentioned, note, actor, conversation.get("ticket_id"))
        return note
    _check_mode(conversation, body.mode)
    window = await reply_window(rt, conversation)
    if not window.open:
        raise Invalid(
            window.note or "The channel does not allow a reply now.", code="reply_window_closed"
        )
    if body.seen_until is not None and not body.confirm:
        await _refuse_if_customer_wrote_again(rt, conversation, body.seen_until)
    attachments = await _attachments(rt, body, principal, conversation["_id"])
    message = await messages.insert_reply(
        rt, conversation, body.text, actor, attachments, body.mode
    )
    await conversations.after_outbound(rt, conversation, message)
    await rt.queue.enqueue(DELIVER_MESSAGE, str(message["_id"]))
    if conversation.get("assignee_id") is None:
        patch = ConversationPatch(assignee_id=str(principal.id))
        await conversations.update(rt, conversation, patch, actor)
    return message


async def _attachments(
    rt: Runtime, body: MessageCreate, principal: Principal, conversation_id: ObjectId
) -> list[dict[str, Any]]:
    file_ids = [parse_id(f, "file") for f in body.attachment_ids]
    stored = await files.attach(rt, file_ids, principal.id, conversation_id=conversation_id)
    return [files.attachment_of(doc) for doc in stored]


async def _refuse_if_customer_wrote_again(
    rt: Runtime, conversation: dict[str, Any], seen_until: datetime
) -> None:
    """Agent collision: the customer said more since the agent last looked."""
    newer = await messages.customer_messages_since(rt, conversation["_id"], seen_until)
    if newer:
        raise Conflict(
            "The customer wrote again since you opened this conversation; "
            "read their new message, then send again to confirm.",
            {"new_messages": [MessageOut.of(m).model_dump(mode="json") for m in newer]},
            code="customer_wrote_again",
        )


async def send_automatic(
    rt: Runtime,
    conversation: dict[str, Any],
    text: str,
    actor: Actor,
    sent_for: str | None = None,
    options: list[dict[str, str]] | None = None,
    because: dict[str, str | None] | None = None,
) -> dict[str, Any] | None:
    """A message the system, a rule or the bot sends: queued for delivery, or None when the
    channel's messaging window is closed. `sent_for` names what it answers: once only;
    `options` are buttons ({"label", "payload"}) where the channel has them; `because` says
    why it was sent, for the agents."""
    window = await reply_window(rt, conversation)
    if not window.open:
        return None
    if sent_for is not None:
        earlier = await rt.store["messages"].find_one({"sent_for": sent_for})
        if earlier is not None:
            return earlier
    message = await messages.insert_reply(
        rt, conversation, text, actor, sent_for=sent_for, options=options, because=because
    )
    await conversations.after_outbound(rt, conversation, message)
    await rt.queue.enqueue(DELIVER_MESSAGE, str(message["_id"]))
    return message


def _check_mode(conversation: dict[str, Any], mode: str | None) -> None:
    if conversation.get("kind") == "comment":
        if mode not in (None, *COMMENT_MODES):
            raise Invalid("mode is `public` (a comment reply) or `private` (a Messenger message).")
    elif mode is not None:
        raise Invalid("mode applies to replies to page comments only.")
