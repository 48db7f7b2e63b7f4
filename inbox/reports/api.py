"""`/api/v1/reports/...`: the overview, the figures per agent, team and channel, volume per
day, busiest hours, ratings and missed SLA targets for a date range, as JSON or CSV
(`format=csv`). Admins see everything; a team's lead sees their teams (`team=`); any other
agent sees their own figures only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any, Literal

from aiohttp import web
from bson import ObjectId
from pydantic import BaseModel, Field, model_validator

from inbox import clock
from inbox.api.routing import api, json_response
from inbox.auth import Principal
from inbox.errors import Forbidden, Invalid
from inbox.keys import principal, runtime
from inbox.models.common import Body
from inbox.reports import queries, rollups
from inbox.runtime import Runtime

MAX_DAYS = 400
ID = r"^[0-9a-f]{24}$"


class ReportQuery(Body):
    since: date | None = Field(default=None, description="first day (default: 30 days ago)")
    until: date | None = Field(default=None, description="last day (default: today)")
    team: str | None = Field(default=None, pattern=ID)
    agent: str | None = Field(default=None, pattern=ID)
    channel: str | None = Field(default=None, pattern=ID)
    priority: Literal["urgent", "high", "medium", "low", "none"] | None = None
    category: str | None = Field(default=None, pattern=ID, description="tickets' category")
    format: Literal["json", "csv"] = "json"

    @model_validator(mode="after")
    def _a_range(self) -> ReportQuery:
        problem = _range_problem(self.since, self.until) if self.since and self.until else None
        if problem:
            raise ValueError(problem)
        return self

    def days(self, today: date) -> tuple[date, date]:
        """The first and last day asked for; by default the 30 days up to `today`."""
        until = self.until or today
        since = self.since or until - timedelta(days=29)
        problem = _range_problem(since, until)
        if problem:
            raise Invalid(problem, [{"field": "since", "message": problem}])
        return since, until


def _range_problem(since: date, until: date) -> str | None:
    if since > until:
        return "since must be on or before until"
    if (until - since).days >= MAX_DAYS:
        return f"a report covers at most {MAX_DAYS} days"
    return None


async def _filters(rt: Runtime, me: Principal, query: ReportQuery) -> queries.Filters:
    """The filters asked for, narrowed to what this person may see; days are the account's
    (today is today in its time zone)."""
    today = clock.now().astimezone(await rollups.zone_of(rt)).date()
    where = queries.Filters(
        *query.days(today),
        query.team,
        query.agent,
        query.channel,
        query.priority,
        query.category,
    )
    if me.is_admin:
        return where
    if query.team and await rt.store["teams"].find_one(
        {"_id": ObjectId(query.team), "lead_id": me.id}
    ):
        return where
    if query.team or (query.agent and query.agent != str(me.id)):
        raise Forbidden("You see your own figures, and your teams' if you lead them.")
    return replace(where, team=None, agent=str(me.id))


class Counted(BaseModel):
    opened: int
    resolved: int


class TicketsCounted(Counted):
    backlog: int | None = Field(default=None, description="open now (overview only)")


class Durations(BaseModel):
    count: int
    median_seconds: float | None
    p90_seconds: float | None
    business_median_seconds: float | None = Field(
        description="in business time of the ticket's SLA calendar (else the default calendar)"
    )
    business_p90_seconds: float | None


class SlaFigures(BaseModel):
    met_percent: float | None
    decided: int
    targets: dict[str, float | None] = Field(description="met % per target")


class CsatFigures(BaseModel):
    average: float | None
    responses: int = Field(description="ratings given in the range")
    asked: int = Field(description="surveys sent in the range")
    response_percent: float | None = Field(description="of the surveys sent, answered")


class BotFigures(BaseModel):
    conversations: int
    deflected: int
    handed_over: int
    deflected_percent: float | None
    handover_percent: float | None
    handover_reasons: dict[str, int] = Field(
        description="asked_for_person, chose_option, faq_not_helpful, not_understood, "
        "bot_unreachable, agent_took_over, other"
    )


class EscalationFigures(BaseModel):
    total: int
    by_level: dict[str, int]


class PresenceFigures(BaseModel):
    online_seconds: int
    busy_seconds: int


class Figures(BaseModel):
    conversations: Counted
    tickets: TicketsCounted
    first_response: Durations
    resolution: Durations
    sla: SlaFigures
    csat: CsatFigures
    bot: BotFigures
    replies: int = Field(description="replies agents wrote to customers")
    presence: PresenceFigures = Field(
        description="time agents were online or busy (with the span still going)"
    )
    escalations: EscalationFigures


class OverviewOut(Figures):
    since: str
    until: str


class AgentFigures(Figures):
    agent_id: str
    name: str


class AgentsOut(BaseModel):
    items: list[AgentFigures]


class TeamFigures(Figures):
    team_id: str
    name: str


class TeamsOut(BaseModel):
    items: list[TeamFigures]


class ChannelFigures(Figures):
    channel_id: str
    name: str


class ChannelsOut(BaseModel):
    items: list[ChannelFigures]


class DayOut(BaseModel):
    day: str
    conversations_opened: int
    conversations_resolved: int
    tickets_opened: int
    tickets_resolved: int


class DailyOut(BaseModel):
    items: list[DayOut]


def _answer(
    result: Any, rows: list[dict[str, Any]], query: ReportQuery, where: queries.Filters, name: str
) -> Any:
    if query.format == "csv":
        filename = f"{name}-{where.since}-{where.until}.csv"
        return web.Response(
            text=queries.to_csv(rows),
            content_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return json_response(result)


class HourOut(BaseModel):
    weekday: int = Field(description="0 = Monday")
    hour: int
    conversations: int


class HoursOut(BaseModel):
    items: list[HourOut]


class RatingOut(BaseModel):
    rating: int
    comment: str | None
    at: str
    ticket: str | None
    agent: str
    channel: str | None


class RatingsOut(BaseModel):
    items: list[RatingOut]


class PolicyMissed(BaseModel):
    policy_id: str
    name: str
    missed: int


class BreachedTicket(BaseModel):
    number: str
    title: str
    priority: str
    team: str
    missed: list[str]


class Missed(BaseModel):
    name: str
    missed: int
    decided: int


class SlaOut(BaseModel):
    by_policy: list[PolicyMissed]
    by_priority: list[Missed]
    by_team: list[Missed]
    tickets: list[BreachedTicket]


Compute = Callable[[Runtime, queries.Filters], Awaitable[Any]]


def _report(
    path: str, summary: str, response: type[BaseModel], compute: Compute, rows: str | None
) -> None:
    """GET /reports/{path}: `compute`'s answer as JSON, or as CSV (its `rows` list, or the
    answer itself as one row)."""

    async def handler(request: web.Request, query: ReportQuery) -> Any:
        rt = runtime(request)
        where = await _filters(rt, principal(request), query)
        result = await compute(rt, where)
        if isinstance(result, list):
            result = {"items": result}
        return _answer(result, result[rows] if rows else [result], query, where, path)

    handler.__name__ = f"report_{path}"
    api(
        "GET",
        f"/reports/{path}",
        summary=summary,
        tag="reports",
        query=ReportQuery,
        response=response,
        media="text/csv",
    )(handler)


def _by(field: str) -> Compute:
    return lambda rt, where: queries.breakdown(rt, where, field)


_report(
    "overview",
    "Conversations and tickets opened and resolved, first response and resolution times, "
    "SLA met, satisfaction, the bot's part, replies and escalations for a date range",
    OverviewOut,
    queries.overview,
    None,
)
_report("agents", "The figures per agent", AgentsOut, _by("agent_id"), "items")
_report("teams", "The figures per team", TeamsOut, _by("team_id"), "items")
_report("channels", "The figures per channel", ChannelsOut, _by("channel_id"), "items")
_report(
    "daily",
    "Conversations and tickets opened and resolved per day of the range",
    DailyOut,
    queries.daily,
    "items",
)
_report(
    "hours",
    "Conversations opened per weekday and hour (the busiest hours)",
    HoursOut,
    queries.busiest_hours,
    "items",
)
_report(
    "ratings",
    "The satisfaction ratings of the range with their comments, newest first",
    RatingsOut,
    queries.ratings,
    "items",
)
_report(
    "sla",
    "SLA targets missed by policy, and the tickets that missed one in the range",
    SlaOut,
    queries.sla_breaches,
    "tickets",
)
