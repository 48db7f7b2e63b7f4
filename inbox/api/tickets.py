"""Tickets: promote, create, list, change, merge, link, and their thread and history."""

from __future__ import annotations

from aiohttp import web
from bson import ObjectId

from inbox import pagination
from inbox.api.routing import api
from inbox.events import customer_not_told
from inbox.keys import principal, runtime
from inbox.models.common import Page
from inbox.models.conversations import MessageOut, MessageQuery
from inbox.models.tickets import (
    EscalationPreviewQuery,
    HistoryOut,
    NotifyQuery,
    ReachOption,
    TicketBulk,
    TicketBulkOut,
    TicketCreate,
    TicketFields,
    TicketLink,
    TicketMerge,
    TicketMessageCreate,
    TicketOut,
    TicketPromote,
    TicketQuery,
    UpdatePreviewOut,
    UpdatePreviewQuery,
)
from inbox.services import conversations
from inbox.services.tickets import customer_updates, outreach
from inbox.services.tickets import history as ticket_history
from inbox.services.tickets import lifecycle as tickets
from inbox.services.tickets import lists as ticket_lists
from inbox.services.tickets import relations as ticket_relations
from inbox.services.tickets import thread as ticket_thread


@api(
    "POST",
    "/conversations/{id}/ticket",
    summary="Promote a conversation to a ticket (409 with the ticket if it already is one)",
    tag="tickets",
    body=TicketPromote,
    query=NotifyQuery,
    response=TicketOut,
    status=201,
)
async def promote(request: web.Request, body: TicketPromote, query: NotifyQuery) -> TicketOut:
    with customer_not_told(not query.notify):
        ticket = await tickets.promote(
            runtime(request), request.match_info["id"], body, principal(request)
        )
    return TicketOut.of(ticket)


@api(
    "GET",
    "/conversations/{id}/customer-update",
    summary="What the customer would be told if this conversation became a ticket now "
    "(or, with escalate_to, were escalated to that team)",
    tag="tickets",
    query=EscalationPreviewQuery,
    response=UpdatePreviewOut,
)
async def preview_promotion(
    request: web.Request, query: EscalationPreviewQuery
) -> UpdatePreviewOut:
    rt = runtime(request)
    conversation = await conversations.get_visible(rt, request.match_info["id"], principal(request))
    if query.escalate_to:
        team = ObjectId(query.escalate_to)
        preview = await customer_updates.preview_escalation(rt, None, conversation, team)
    else:
        preview = await customer_updates.preview_promotion(rt, conversation)
    return UpdatePreviewOut(**preview)


@api(
    "GET",
    "/tickets/{id}/customer-update",
    summary="What the customer would be told if the ticket got this status (or owner) now",
    tag="tickets",
    query=UpdatePreviewQuery,
    response=UpdatePreviewOut,
)
async def preview_change(request: web.Request, query: UpdatePreviewQuery) -> UpdatePreviewOut:
    rt = runtime(request)
    ticket = await tickets.get_visible(rt, request.match_info["id"], principal(request))
    if query.escalate_to:
        conversation = await tickets.latest_conversation(rt, ticket)
        team = ObjectId(query.escalate_to)
        preview = await customer_updates.preview_escalation(rt, ticket, conversation, team)
        return UpdatePreviewOut(**preview)
    owner = ObjectId(query.owner_id) if query.owner_id else None
    status = str(query.status) if query.status else None
    return UpdatePreviewOut(**await customer_updates.preview_change(rt, ticket, status, owner))


@api(
    "POST",
    "/tickets",
    summary="Open a ticket for a contact (a call, a visit), maybe on one of their conversations",
    tag="tickets",
    body=TicketCreate,
    response=TicketOut,
    status=201,
)
async def create_ticket(request: web.Request, body: TicketCreate) -> TicketOut:
    return TicketOut.of(await tickets.create(runtime(request), body, principal(request)))


@api(
    "GET",
    "/tickets",
    summary="List tickets: due soonest first, then by priority (default: my open tickets)",
    tag="tickets",
    query=TicketQuery,
    response=Page[TicketOut],
)
async def list_tickets(request: web.Request, query: TicketQuery) -> Page[TicketOut]:
    rt, me = runtime(request), principal(request)
    docs, next_cursor = await pagination.fetch_page(
        query, "rank", lambda position, limit: ticket_lists.page(rt, me, query, position, limit)
    )
    return Page(items=[TicketOut.of(d) for d in docs], next_cursor=next_cursor)


@api(
    "POST",
    "/tickets/bulk",
    summary="Change status, priority, assignees or team of several tickets",
    tag="tickets",
    body=TicketBulk,
    query=NotifyQuery,
    response=TicketBulkOut,
)
async def bulk_update(request: web.Request, body: TicketBulk, query: NotifyQuery) -> TicketBulkOut:
    with customer_not_told(not query.notify):
        updated, failed = await tickets.bulk_update(
            runtime(request), body.ids, body.changes, principal(request)
        )
    return TicketBulkOut(updated=[TicketOut.of(t) for t in updated], failed=failed)


@api(
    "GET", "/tickets/{id}", summary="One ticket, by id or number", tag="tickets", response=TicketOut
)
async def get_ticket(request: web.Request) -> TicketOut:
    ticket = await tickets.get_visible(
        runtime(request), request.match_info["id"], principal(request)
    )
    return TicketOut.of(ticket)


@api(
    "PATCH",
    "/tickets/{id}",
    summary="Change any fields; each change goes into the ticket's history",
    tag="tickets",
    body=TicketFields,
    query=NotifyQuery,
    response=TicketOut,
)
async def update_ticket(request: web.Request, body: TicketFields, query: NotifyQuery) -> TicketOut:
    rt, me = runtime(request), principal(request)
    ticket = await tickets.get_visible(rt, request.match_info["id"], me)
    with customer_not_told(not query.notify):
        return TicketOut.of(await tickets.update(rt, ticket, body, me))


@api(
    "GET",
    "/tickets/{id}/messages",
    summary="The ticket's thread: its conversations' messages and its notes",
    tag="tickets",
    query=MessageQuery,
    response=Page[MessageOut],
)
async def list_messages(request: web.Request, query: MessageQuery) -> Page[MessageOut]:
    rt = runtime(request)
    ticket = await tickets.get_visible(rt, request.match_info["id"], principal(request))
    docs, next_cursor = await pagination.fetch_page(
        query,
        "created_at",
        lambda position, limit: ticket_thread.page(
            rt, ticket, position, limit, query.order == "desc"
        ),
    )
    return Page(items=[MessageOut.of(d) for d in docs], next_cursor=next_cursor)


@api(
    "POST",
    "/tickets/{id}/messages",
    summary="Reply to the customer on the ticket's latest conversation (or start one on a "
    "channel of the contact), or add a note",
    tag="tickets",
    body=TicketMessageCreate,
    response=MessageOut,
    status=201,
)
async def post_message(request: web.Request, body: TicketMessageCreate) -> MessageOut:
    rt, me = runtime(request), principal(request)
    ticket = await tickets.get_visible(rt, request.match_info["id"], me)
    return MessageOut.of(await ticket_thread.post(rt, ticket, body, me))


@api(
    "GET",
    "/tickets/{id}/reach",
    summary="The contact's channels a reply could start a conversation on, and why not",
    tag="tickets",
    response=Page[ReachOption],
)
async def reach(request: web.Request) -> Page[ReachOption]:
    rt = runtime(request)
    ticket = await tickets.get_visible(rt, request.match_info["id"], principal(request))
    return Page(items=await outreach.options(rt, ticket))


@api(
    "GET",
    "/tickets/{id}/history",
    summary="Every change: who, when, before and after (merged tickets' included)",
    tag="tickets",
    response=Page[HistoryOut],
)
async def history(request: web.Request) -> Page[HistoryOut]:
    rt = runtime(request)
    ticket = await tickets.get_visible(rt, request.match_info["id"], principal(request))
    entries = await ticket_history.of(rt, [ticket["_id"], *ticket.get("merged_ids", [])])
    return Page(items=[HistoryOut.of(e) for e in entries])


@api(
    "POST",
    "/tickets/{id}/merge",
    summary="Merge this ticket into another; answers the surviving ticket",
    tag="tickets",
    body=TicketMerge,
    response=TicketOut,
)
async def merge(request: web.Request, body: TicketMerge) -> TicketOut:
    rt, me = runtime(request), principal(request)
    source = await tickets.get_visible(rt, request.match_info["id"], me)
    target = await tickets.get_visible(rt, body.into, me)
    return TicketOut.of(await ticket_relations.merge(rt, source, target, me))


@api(
    "POST",
    "/tickets/{id}/links",
    summary="Link a related ticket (shown on both)",
    tag="tickets",
    body=TicketLink,
    response=TicketOut,
)
async def add_link(request: web.Request, body: TicketLink) -> TicketOut:
    rt, me = runtime(request), principal(request)
    ticket = await tickets.get_visible(rt, request.match_info["id"], me)
    other = await tickets.get_visible(rt, body.ticket_id, me)
    return TicketOut.of(await ticket_relations.link(rt, ticket, other, me, on=True))


@api(
    "DELETE",
    "/tickets/{id}/links/{other}",
    summary="Remove a link between two tickets",
    tag="tickets",
    response=TicketOut,
)
async def remove_link(request: web.Request) -> TicketOut:
    rt, me = runtime(request), principal(request)
    ticket = await tickets.get_visible(rt, request.match_info["id"], me)
    other = await tickets.get_visible(rt, request.match_info["other"], me)
    return TicketOut.of(await ticket_relations.link(rt, ticket, other, me, on=False))
