"""What admins set up for tickets (categories, custom fields, customer updates) and agents'
saved ticket views."""

from __future__ import annotations

from aiohttp import web

from inbox.api.routing import api
from inbox.auth import Access
from inbox.ids import parse_id
from inbox.keys import principal, runtime
from inbox.models.common import Page
from inbox.models.tickets import (
    CategoryCreate,
    CategoryOut,
    CustomerUpdateOut,
    CustomerUpdateSettings,
    TicketFieldCreate,
    TicketFieldOut,
    ViewCreate,
    ViewOut,
)
from inbox.services.tickets import categories, customer_updates
from inbox.services.tickets import fields as ticket_fields
from inbox.services.tickets import lists as ticket_lists


@api(
    "GET",
    "/categories",
    summary="The category tree, level by level",
    tag="ticket settings",
    response=Page[CategoryOut],
)
async def list_categories(request: web.Request) -> Page[CategoryOut]:
    return Page(items=[CategoryOut.of(c) for c in await categories.list_all(runtime(request))])


@api(
    "POST",
    "/categories",
    summary="Add a category (three levels at most)",
    tag="ticket settings",
    body=CategoryCreate,
    response=CategoryOut,
    status=201,
    level=Access.ADMIN,
)
async def create_category(request: web.Request, body: CategoryCreate) -> CategoryOut:
    return CategoryOut.of(await categories.create(runtime(request), body))


@api(
    "DELETE",
    "/categories/{id}",
    summary="Delete a category without sub-categories",
    tag="ticket settings",
    level=Access.ADMIN,
)
async def delete_category(request: web.Request) -> None:
    await categories.delete(runtime(request), parse_id(request.match_info["id"], "category"))


@api(
    "GET",
    "/ticket-fields",
    summary="Custom ticket fields",
    tag="ticket settings",
    response=Page[TicketFieldOut],
)
async def list_fields(request: web.Request) -> Page[TicketFieldOut]:
    return Page(
        items=[TicketFieldOut.of(f) for f in await ticket_fields.list_all(runtime(request))]
    )


@api(
    "POST",
    "/ticket-fields",
    summary="Define a custom field (text, number, date, select)",
    tag="ticket settings",
    body=TicketFieldCreate,
    response=TicketFieldOut,
    status=201,
    level=Access.ADMIN,
)
async def create_field(request: web.Request, body: TicketFieldCreate) -> TicketFieldOut:
    return TicketFieldOut.of(await ticket_fields.create(runtime(request), body))


@api(
    "DELETE",
    "/ticket-fields/{key}",
    summary="Remove a custom field (values stay on tickets)",
    tag="ticket settings",
    level=Access.ADMIN,
)
async def delete_field(request: web.Request) -> None:
    await ticket_fields.delete(runtime(request), request.match_info["key"])


@api(
    "GET",
    "/customer-updates",
    summary="The messages customers get when their ticket moves",
    tag="ticket settings",
    response=Page[CustomerUpdateOut],
)
async def list_customer_updates(request: web.Request) -> Page[CustomerUpdateOut]:
    found = await customer_updates.all_settings(runtime(request))
    return Page(items=[CustomerUpdateOut(**s) for s in found])


@api(
    "PUT",
    "/customer-updates/{event}",
    summary="Edit or switch off one customer update",
    tag="ticket settings",
    body=CustomerUpdateSettings,
    response=CustomerUpdateOut,
    level=Access.ADMIN,
)
async def save_customer_update(
    request: web.Request, body: CustomerUpdateSettings
) -> CustomerUpdateOut:
    saved = await customer_updates.save(runtime(request), request.match_info["event"], body)
    return CustomerUpdateOut(**saved)


@api("GET", "/ticket-views", summary="My saved ticket views", tag="tickets", response=Page[ViewOut])
async def list_views(request: web.Request) -> Page[ViewOut]:
    found = await ticket_lists.views(runtime(request), principal(request))
    return Page(items=[ViewOut.of(v) for v in found])


@api(
    "POST",
    "/ticket-views",
    summary="Save the current ticket filters under a name",
    tag="tickets",
    body=ViewCreate,
    response=ViewOut,
    status=201,
)
async def save_view(request: web.Request, body: ViewCreate) -> ViewOut:
    return ViewOut.of(await ticket_lists.save_view(runtime(request), principal(request), body))


@api("DELETE", "/ticket-views/{id}", summary="Delete one of my saved views", tag="tickets")
async def delete_view(request: web.Request) -> None:
    view_id = parse_id(request.match_info["id"], "view")
    await ticket_lists.delete_view(runtime(request), principal(request), view_id)
