"""What admins set up for the portal under `/api/v1/portal`: its settings, its departments,
the SMS gateway, and what a ticket's customer was told by email or SMS (agents)."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from connectors import sms as sms_gateway
from connectors.base import SendError
from inbox import clock
from inbox.api.resources import settings_routes, standard_routes
from inbox.api.routing import api
from inbox.auth import Access
from inbox.errors import Conflict, Invalid
from inbox.keys import principal, runtime
from inbox.models.common import Body, Page
from inbox.portal import config, departments, notices, sms
from inbox.services.contacts import normalise
from inbox.services.tickets import lifecycle as tickets

settings_routes(
    config,
    path="/portal",
    name="portal",
    tag="portal",
    body=config.PortalSettings,
    out=config.PortalOut,
    summaries=(
        "The customer portal's settings and address",
        "Set the portal: name, colour, logo, the email channel its mails use, reopening",
    ),
)


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


settings_routes(
    sms,
    path="/portal/sms",
    name="sms",
    tag="portal",
    body=sms.SmsGatewayBody,
    out=sms.SmsGatewayOut,
    summaries=(
        "The SMS gateway for customer notices and phone sign-in (its secret is not shown)",
        "Set the SMS gateway: address, method, body with {phone} and {text}, auth header",
    ),
)


class SmsTest(Body):
    phone: str = Field(min_length=3, max_length=30)


class SmsTestOut(BaseModel):
    sent: bool
    phone: str
    error: str | None = Field(description="what the gateway said when it did not take it")


@api(
    "POST",
    "/portal/sms/test",
    summary="Send a test SMS through the gateway now, and say whether the gateway took it",
    tag="portal",
    body=SmsTest,
    response=SmsTestOut,
    level=Access.ADMIN,
)
async def test_sms(request: web.Request, body: SmsTest) -> SmsTestOut:
    rt = runtime(request)
    phone = normalise.phone(body.phone, rt.settings.phone_region)
    if phone is None:
        raise Invalid("Not a phone number.", [{"field": "phone", "message": "not a phone number"}])
    gateway = await sms.gateway(rt)
    if gateway is None:
        raise Conflict("The SMS gateway is switched off.", code="sms_off")
    try:
        await sms_gateway.send(gateway, phone, "Test message from the inbox.")
    except SendError as error:
        return SmsTestOut(sent=False, phone=phone, error=str(error))
    return SmsTestOut(sent=True, phone=phone, error=None)


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
