"""Contacts: the list and search, one person's record and history, merges, erasure, custom
attributes, CSV import and export."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from inbox import pagination
from inbox.api.routing import api
from inbox.auth import Access
from inbox.errors import Invalid, NotFound
from inbox.keys import principal, runtime
from inbox.models.common import Page
from inbox.models.contacts import (
    AttributeCreate,
    AttributeOut,
    ContactCreate,
    ContactFields,
    ContactFilter,
    ContactOut,
    ContactQuery,
    ImportBody,
    ImportResult,
    MergeBody,
    MergeSuggestion,
)
from inbox.models.conversations import ConversationOut, ConversationQuery
from inbox.models.tickets import TicketOut, TicketQuery
from inbox.services import conversations, erasure
from inbox.services.contacts import attributes, csv_io, lists, merge, records
from inbox.services.tickets import lists as ticket_lists

TAG = "contacts"


async def _visible(request: web.Request) -> dict[str, Any]:
    return await lists.get_visible(runtime(request), request.match_info["id"], principal(request))


@api(
    "GET",
    "/contacts",
    summary="Search and filter contacts, newest first",
    tag=TAG,
    query=ContactQuery,
    response=Page[ContactOut],
)
async def list_contacts(request: web.Request, query: ContactQuery) -> Page[ContactOut]:
    rt, me = runtime(request), principal(request)
    docs, next_cursor = await pagination.fetch_page(
        query,
        "created_at",
        lambda position, limit: lists.list_page(rt, me, query, position, limit),
    )
    return Page(items=[ContactOut.of(d) for d in docs], next_cursor=next_cursor)


@api(
    "POST",
    "/contacts",
    summary="Add a contact by hand (a caller, a visitor)",
    tag=TAG,
    body=ContactCreate,
    response=ContactOut,
    status=201,
)
async def create_contact(request: web.Request, body: ContactCreate) -> ContactOut:
    doc = await records.create(runtime(request), body, principal(request).actor)
    return ContactOut.of(doc)


@api(
    "GET",
    "/contacts/export",
    summary="The contacts of a filtered list as CSV (same filters as the list)",
    tag=TAG,
    query=ContactFilter,
    level=Access.ADMIN,
    media="text/csv",
)
async def export_contacts(request: web.Request, query: ContactFilter) -> web.StreamResponse:
    lists.conditions(query)  # a malformed filter is a 422, before the answer starts
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="contacts.csv"',
        }
    )
    await response.prepare(request)
    await response.write("\ufeff".encode())  # spreadsheets then read the file as UTF-8
    async for line in csv_io.export_csv(runtime(request), principal(request), query):
        await response.write(line.encode())
    await response.write_eof()
    return response


@api(
    "POST",
    "/contacts/import",
    summary="Import contacts from CSV: a dry run previews each row, then import for real",
    tag=TAG,
    body=ImportBody,
    response=ImportResult,
    level=Access.ADMIN,
)
async def import_contacts(request: web.Request, body: ImportBody) -> ImportResult:
    return await csv_io.import_csv(
        runtime(request), body.csv, body.dry_run, principal(request).actor
    )


@api("GET", "/contacts/{id}", summary="One contact", tag=TAG, response=ContactOut)
async def get_contact(request: web.Request) -> ContactOut:
    return ContactOut.of(await _visible(request))


@api(
    "PATCH",
    "/contacts/{id}",
    summary="Change a contact's details, tags, notes or attributes",
    tag=TAG,
    body=ContactFields,
    response=ContactOut,
)
async def update_contact(request: web.Request, body: ContactFields) -> ContactOut:
    contact = await _visible(request)
    doc = await records.update(runtime(request), contact, body, principal(request).actor)
    return ContactOut.of(doc)


@api(
    "DELETE",
    "/contacts/{id}",
    summary="Erase the person's data on request (an audit line is kept)",
    tag=TAG,
    response=ContactOut,
    level=Access.ADMIN,
)
async def erase_contact(request: web.Request) -> ContactOut:
    contact = await _visible(request)
    return ContactOut.of(await erasure.erase(runtime(request), contact, principal(request).actor))


@api(
    "POST",
    "/contacts/{id}/merge",
    summary="Merge another contact into this one; the other becomes a read-only pointer",
    tag=TAG,
    body=MergeBody,
    response=ContactOut,
)
async def merge_contacts(request: web.Request, body: MergeBody) -> ContactOut:
    rt, me = runtime(request), principal(request)
    survivor = await _visible(request)
    try:
        other = await lists.get_visible(rt, body.other_id, me)
    except NotFound as missing:
        raise Invalid("other_id names no contact you can see.", {"field": "other_id"}) from missing
    return ContactOut.of(await merge.merge(rt, survivor, other, me.actor))


@api(
    "GET",
    "/contacts/{id}/suggestions",
    summary="Contacts that share a phone or an email with this one (merge candidates)",
    tag=TAG,
    response=Page[MergeSuggestion],
)
async def merge_suggestions(request: web.Request) -> Page[MergeSuggestion]:
    rt, me = runtime(request), principal(request)
    found = await lists.suggestions(rt, me, await _visible(request))
    return Page(items=[MergeSuggestion(contact=ContactOut.of(c), reasons=r) for c, r in found])


@api(
    "GET",
    "/contacts/{id}/conversations",
    summary="The person's conversations on every channel, latest first",
    tag=TAG,
    query=ConversationQuery,
    response=Page[ConversationOut],
)
async def contact_conversations(
    request: web.Request, query: ConversationQuery
) -> Page[ConversationOut]:
    rt, me = runtime(request), principal(request)
    contact = await records.current(rt, await _visible(request))
    query = query.model_copy(update={"contact": str(contact["_id"])})
    docs, next_cursor = await pagination.fetch_page(
        query,
        "last_message_at",
        lambda position, limit: conversations.list_page(rt, me, query, position, limit),
    )
    return Page(items=[ConversationOut.of(d) for d in docs], next_cursor=next_cursor)


@api(
    "GET",
    "/contacts/{id}/tickets",
    summary="The person's tickets from every channel",
    tag=TAG,
    query=TicketQuery,
    response=Page[TicketOut],
)
async def contact_tickets(request: web.Request, query: TicketQuery) -> Page[TicketOut]:
    rt, me = runtime(request), principal(request)
    contact = await records.current(rt, await _visible(request))
    query = query.model_copy(
        update={
            "contact": str(contact["_id"]),
            "view": query.view or "all",
            "status": query.status or "all",
        }
    )
    docs, next_cursor = await pagination.fetch_page(
        query, "rank", lambda position, limit: ticket_lists.page(rt, me, query, position, limit)
    )
    return Page(items=[TicketOut.of(d) for d in docs], next_cursor=next_cursor)


@api(
    "GET",
    "/contact-attributes",
    summary="Custom contact attributes",
    tag=TAG,
    response=Page[AttributeOut],
)
async def list_attributes(request: web.Request) -> Page[AttributeOut]:
    found = await attributes.definitions.list_all(runtime(request))
    return Page(items=[AttributeOut.of(a) for a in found])


@api(
    "POST",
    "/contact-attributes",
    summary="Define a contact attribute (text, number, date, select)",
    tag=TAG,
    body=AttributeCreate,
    response=AttributeOut,
    status=201,
    level=Access.ADMIN,
)
async def create_attribute(request: web.Request, body: AttributeCreate) -> AttributeOut:
    return AttributeOut.of(await attributes.definitions.create(runtime(request), body))


@api(
    "DELETE",
    "/contact-attributes/{key}",
    summary="Remove a contact attribute (values stay on contacts)",
    tag=TAG,
    level=Access.ADMIN,
)
async def delete_attribute(request: web.Request) -> None:
    await attributes.definitions.delete(runtime(request), request.match_info["key"])
