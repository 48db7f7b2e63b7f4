"""What admins set up for the portal under `/api/v1/portal`: its settings, its departments,
and what a ticket's customer was told by email (agents)."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel

from inbox import clock
from inbox.api.resources import standard_routes
from inbox.api.routing import api
from inbox.auth import Access
from inbox.keys import principal, runtime
from inbox.models.common import Page
from inbox.portal import config, departments, notices
from inbox.services.tickets import lifecycle as tickets


@api(
    "GET",
    "/portal",
    summary="The customer portal's settings and address",
    tag="portal",
    response=config.PortalOut,
    level=Access.ADMIN,
)
async def get_portal(request: web.Request) -> config.PortalOut:
    return await config.view(runtime(request))


@api(
    "PUT",
    "/portal",
    summary="Set the portal: name, colour, logo, the email channel its mails use, reopening",
    tag="portal",
    body=config.PortalSettings,
    response=config.PortalOut,
    level=Access.ADMIN,
)
async def put_portal(request: web.Request, body: config.PortalSettings) -> config.PortalOut:
    return await config.save(runtime(request), body)


standard_routes(
    departments,
    path="/portal/departments",
    names=("portal_department", "portal_departments"),
    tag="portal",
    body=departments.DepartmentBody,
    out=departments.DepartmentOut,
    summaries={
        "list": "Departments customers choose from in the portal",
        "create": "Add a portal department",
        "get": "A portal department",
        "update": "Change a portal department",
        "delete": "Delete a portal department",
    },
    read=Access.ADMIN,
)


class NoticeOut(BaseModel):
    id: str
    kind: str
    via: str
    to: str
    subject: str
    status: str
    error: str | None
    attempts: int
    created_at: str


@api(
    "GET",
    "/tickets/{id}/notices",
    summary="What the ticket's customer was told by email (portal notices) and whether it went",
    tag="portal",
    response=Page[NoticeOut],
)
async def ticket_notices(request: web.Request) -> Page[NoticeOut]:
    rt = runtime(request)
    ticket = await tickets.get_visible(rt, request.match_info["id"], principal(request))
    return Page(
        items=[
            NoticeOut(
                id=str(n["_id"]),
                kind=n["kind"],
                via=n["via"],
                to=n["to"],
                subject=n["subject"],
                status=n["status"],
                error=n.get("error"),
                attempts=n["attempts"],
                created_at=clock.iso(n["created_at"]),
            )
            for n in await notices.for_ticket(rt, ticket["_id"])
        ]
    )
