"""REST for SLA: calendars, policies, and a ticket's clocks in business time. Registered with
the other resources by `inbox.api.routing`."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from automations.sla import calendars
from automations.sla import policies as sla_policies
from inbox import business_hours, clock
from inbox.api.resources import standard_routes
from inbox.api.routing import api
from inbox.keys import principal, runtime
from inbox.models.sla import SlaOut
from inbox.services.tickets import lifecycle as tickets


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


standard_routes(
    calendars,
    path="/calendars",
    names=("calendar", "calendars"),
    tag="sla",
    body=calendars.CalendarBody,
    out=CalendarOut,
    summaries={
        "list": "Calendars",
        "create": "Create a calendar (the first one becomes the default)",
        "get": "One calendar",
        "update": "Change a calendar",
        "delete": "Delete a calendar",
    },
)
standard_routes(
    sla_policies,
    path="/sla-policies",
    names=("policy", "policies"),
    tag="sla",
    body=sla_policies.PolicyBody,
    out=PolicyOut,
    summaries={
        "list": "SLA policies in order",
        "create": "Create an SLA policy",
        "get": "One SLA policy",
        "update": "Change an SLA policy (tickets follow it on their next change)",
        "delete": "Delete an SLA policy",
    },
)


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
