"""Conversations and their messages."""

from __future__ import annotations

from aiohttp import web

from inbox import pagination
from inbox.api.routing import api
from inbox.errors import NotFound
from inbox.ids import parse_id
from inbox.keys import principal, runtime
from inbox.models.common import Page
from inbox.models.conversations import (
    ConversationOut,
    ConversationPatch,
    ConversationQuery,
    MessageCreate,
    MessageOut,
    MessageQuery,
)
from inbox.services import conversations, delivery, delivery_state, messages, replies


@api(
    "GET",
    "/conversations",
    summary="List conversations, most recent activity first",
    tag="conversations",
    query=ConversationQuery,
    response=Page[ConversationOut],
)
async def list_conversations(
    request: web.Request, query: ConversationQuery
) -> Page[ConversationOut]:
    rt, me = runtime(request), principal(request)
    docs, next_cursor = await pagination.fetch_page(
        query,
        "last_message_at",
        lambda position, limit: conversations.list_page(rt, me, query, position, limit),
    )
    return Page(items=[ConversationOut.of(d) for d in docs], next_cursor=next_cursor)


@api(
    "GET",
    "/conversations/{id}",
    summary="One conversation",
    tag="conversations",
    response=ConversationOut,
)
async def get_conversation(request: web.Request) -> ConversationOut:
    rt = runtime(request)
    doc = await conversations.get_visible(rt, request.match_info["id"], principal(request))
    return ConversationOut.of(doc, await replies.reply_window(rt, doc))


@api(
    "PATCH",
    "/conversations/{id}",
    summary="Change status, assignee, team or priority",
    tag="conversations",
    body=ConversationPatch,
    response=ConversationOut,
)
async def update_conversation(request: web.Request, body: ConversationPatch) -> ConversationOut:
    rt, me = runtime(request), principal(request)
    doc = await conversations.get_visible(rt, request.match_info["id"], me)
    actor = me.actor
    updated = await conversations.update(rt, doc, body, actor)
    return ConversationOut.of(updated, await replies.reply_window(rt, updated))


@api(
    "POST",
    "/conversations/{id}/read",
    summary="Mark the conversation read",
    tag="conversations",
    response=ConversationOut,
)
async def mark_read(request: web.Request) -> ConversationOut:
    doc = await conversations.mark_read(
        runtime(request), request.match_info["id"], principal(request)
    )
    return ConversationOut.of(doc)


@api(
    "GET",
    "/conversations/{id}/messages",
    summary="Messages, notes and activity of a conversation (oldest first unless order=desc)",
    tag="conversations",
    query=MessageQuery,
    response=Page[MessageOut],
)
async def list_messages(request: web.Request, query: MessageQuery) -> Page[MessageOut]:
    rt = runtime(request)
    doc = await conversations.get_visible(rt, request.match_info["id"], principal(request))
    docs, next_cursor = await pagination.fetch_page(
        query,
        "created_at",
        lambda position, limit: messages.list_page(
            rt, doc["_id"], position, limit, query.order == "desc"
        ),
    )
    return Page(items=[MessageOut.of(d) for d in docs], next_cursor=next_cursor)


@api(
    "POST",
    "/conversations/{id}/messages",
    summary="Reply to the customer on the conversation's channel, or add a private note",
    tag="conversations",
    body=MessageCreate,
    response=MessageOut,
    status=201,
)
async def post_message(request: web.Request, body: MessageCreate) -> MessageOut:
    message = await replies.post(
        runtime(request), request.match_info["id"], body, principal(request)
    )
    return MessageOut.of(message)


@api(
    "POST",
    "/messages/{id}/retry",
    summary="Send again a message that failed or may not have arrived",
    tag="conversations",
    response=MessageOut,
)
async def retry_message(request: web.Request) -> MessageOut:
    rt, me = runtime(request), principal(request)
    message, conversation = await _own_message(request)
    return MessageOut.of(await delivery.send_again(rt, message, conversation, me.name))


@api(
    "POST",
    "/messages/{id}/mark-sent",
    summary="Confirm that a message which may have been delivered did arrive",
    tag="conversations",
    response=MessageOut,
)
async def mark_message_sent(request: web.Request) -> MessageOut:
    rt, me = runtime(request), principal(request)
    message, conversation = await _own_message(request)
    return MessageOut.of(await delivery_state.confirm_sent(rt, message, conversation, me.name))


async def _own_message(request: web.Request) -> tuple[dict, dict]:
    """A message of a conversation the caller may see (404 otherwise), with its conversation."""
    rt, me = runtime(request), principal(request)
    message = await messages.get(rt, parse_id(request.match_info["id"], "message"))
    try:
        conversation = await conversations.get_visible(rt, str(message["conversation_id"]), me)
    except NotFound:
        raise NotFound(f"No message with id {request.match_info['id']}.") from None
    return message, conversation
