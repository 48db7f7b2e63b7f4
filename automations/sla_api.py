"""REST for SLA: calendars, policies, and a ticket's clocks in business time. Registered with
the other resources by `inbox.api.routing`."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from automations import business_hours, calendars, sla_policies
from inbox import clock
from inbox.api.routing import api
from inbox.auth import Access
from inbox.keys import principal, runtime
from inbox.models import Page, SlaOut
from inbox.services import tickets


class CalendarOut(BaseModel):
    id: str
    name: str
    timezone: str
    hours: dict[str, list[list[str]]]
    holidays: dict[str, Any] | None
    closed_dates: list[str]
    closures: list[dict[str, Any]]
    default: bool


class PolicyOut(BaseModel):
    id: str
    name: str
    enabled: bool
    position: int
    targets: dict[str, dict[str, int | None]]
    calendar_id: str | None
    warning_percent: int
    pause_statuses: list[str]
    conditions: dict[str, list[str]]


class TicketSlaOut(BaseModel):
    sla: SlaOut | None
    business_minutes_left: dict[str, float] = Field(
        description="per running target: business minutes until due (negative when overdue)"
    )
    calendar: str = Field(description="the calendar the clocks count in")


# ---- calendars ----------------------------------------------------------------------------


@api("GET", "/calendars", summary="Calendars", tag="sla", response=Page[CalendarOut])
async def list_calendars(request: web.Request) -> Page[CalendarOut]:
    found = await calendars.list_all(runtime(request))
    return Page(items=[CalendarOut(**calendars.view(c)) for c in found])


@api(
    "POST",
    "/calendars",
    summary="Create a calendar (the first one becomes the default)",
    tag="sla",
    body=calendars.CalendarBody,
    response=CalendarOut,
    status=201,
    level=Access.ADMIN,
)
async def create_calendar(request: web.Request, body: calendars.CalendarBody) -> CalendarOut:
    return CalendarOut(**calendars.view(await calendars.create(runtime(request), body)))


class Countries(BaseModel):
    countries: dict[str, list[str]] = Field(description="ISO code: its subdivisions")


@api(
    "GET",
    "/calendars/countries",
    summary="Countries whose public holidays are known, with their subdivisions",
    tag="sla",
    response=Countries,
)
async def holiday_countries(request: web.Request) -> Countries:
    return Countries(countries=calendars.countries())


@api("GET", "/calendars/{id}", summary="One calendar", tag="sla", response=CalendarOut)
async def get_calendar(request: web.Request) -> CalendarOut:
    found = await calendars.get(runtime(request), request.match_info["id"])
    return CalendarOut(**calendars.view(found))


@api(
    "PATCH",
    "/calendars/{id}",
    summary="Change a calendar",
    tag="sla",
    body=calendars.CalendarBody,
    response=CalendarOut,
    level=Access.ADMIN,
)
async def update_calendar(request: web.Request, body: calendars.CalendarBody) -> CalendarOut:
    rt = runtime(request)
    current = await calendars.get(rt, request.match_info["id"])
    return CalendarOut(**calendars.view(await calendars.update(rt, current, body)))


@api("DELETE", "/calendars/{id}", summary="Delete a calendar", tag="sla", level=Access.ADMIN)
async def delete_calendar(request: web.Request) -> None:
    rt = runtime(request)
    await calendars.delete(rt, await calendars.get(rt, request.match_info["id"]))


# ---- policies -----------------------------------------------------------------------------


@api("GET", "/sla-policies", summary="SLA policies in order", tag="sla", response=Page[PolicyOut])
async def list_policies(request: web.Request) -> Page[PolicyOut]:
    found = await sla_policies.list_all(runtime(request))
    return Page(items=[PolicyOut(**sla_policies.view(p)) for p in found])


@api(
    "POST",
    "/sla-policies",
    summary="Create an SLA policy",
    tag="sla",
    body=sla_policies.PolicyBody,
    response=PolicyOut,
    status=201,
    level=Access.ADMIN,
)
async def create_policy(request: web.Request, body: sla_policies.PolicyBody) -> PolicyOut:
    return PolicyOut(**sla_policies.view(await sla_policies.create(runtime(request), body)))


@api("GET", "/sla-policies/{id}", summary="One SLA policy", tag="sla", response=PolicyOut)
async def get_policy(request: web.Request) -> PolicyOut:
    found = await sla_policies.get(runtime(request), request.match_info["id"])
    return PolicyOut(**sla_policies.view(found))


@api(
    "PATCH",
    "/sla-policies/{id}",
    summary="Change an SLA policy (tickets follow it on their next change)",
    tag="sla",
    body=sla_policies.PolicyBody,
    response=PolicyOut,
    level=Access.ADMIN,
)
async def update_policy(request: web.Request, body: sla_policies.PolicyBody) -> PolicyOut:
    rt = runtime(request)
    current = await sla_policies.get(rt, request.match_info["id"])
    return PolicyOut(**sla_policies.view(await sla_policies.update(rt, current, body)))


@api(
    "DELETE",
    "/sla-policies/{id}",
    summary="Delete an SLA policy",
    tag="sla",
    level=Access.ADMIN,
)
async def delete_policy(request: web.Request) -> None:
    rt = runtime(request)
    await sla_policies.delete(rt, await sla_policies.get(rt, request.match_info["id"]))


# ---- a ticket's clocks ----------------------------------------------------------------------


@api(
    "GET",
    "/tickets/{id}/sla",
    summary="The ticket's SLA with the business time left on each running target",
    tag="tickets",
    response=TicketSlaOut,
)
async def ticket_sla(request: web.Request) -> TicketSlaOut:
    rt = runtime(request)
    ticket = await tickets.get_visible(rt, request.match_info["id"], principal(request))
    sla = ticket.get("sla")
    calendar = await business_hours.load(rt, (sla or {}).get("calendar_id"))
    now = clock.now()
    left = {
        name: round(calendar.minutes_between(now, target["due_at"]), 1)
        for name, target in (sla or {}).get("targets", {}).items()
        if target["running_since"] is not None
    }
    return TicketSlaOut(
        sla=SlaOut.of(sla, now) if sla else None,
        business_minutes_left=left,
        calendar=calendar.name,
    )
