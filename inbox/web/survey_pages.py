"""The page a satisfaction survey's email links open: no sign-in, the link's token is the
key. Opening a link records nothing (mail scanners open every link of a message): the page
posts the chosen rating at once from the customer's browser (one click), or offers a button
without JavaScript. It then takes an optional comment and lets the customer change the
rating while the survey is open (7 days)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from inbox.auth import Access, access
from inbox.errors import Conflict, NotFound
from inbox.keys import runtime
from inbox.services.tickets import satisfaction
from inbox.web.rendering import render

MAX_COMMENT = 2000
STATUS_OF_PROBLEM = {None: 200, "unknown": 404, "closed": 409}


@access(Access.PUBLIC)
async def survey_page(request: web.Request) -> web.StreamResponse:
    """The survey; a link's rating is only offered, for the page to send."""
    survey = await _survey(request)
    context = await _context(request, survey)
    chosen = _rating(request.query.get("rating"))
    if survey is not None and chosen is not None:
        if not context["open"]:
            context["problem"] = "closed"
        elif chosen != context["rating"]:
            context["chosen"] = chosen
    return _page(request, context)


@access(Access.PUBLIC)
async def survey_answer(request: web.Request) -> web.StreamResponse:
    """A rating (and comment) the customer sent."""
    form = await request.post()
    comment = str(form.get("comment") or "").strip()[:MAX_COMMENT] or None
    rating = _rating(form.get("rating"))
    survey = await _survey(request)
    problem = None
    if survey is not None and rating is not None:
        try:
            survey = await satisfaction.record(runtime(request), survey, rating, comment)
        except Conflict:
            problem = "closed"
    if survey is not None and problem is None:
        raise web.HTTPSeeOther(request.path)  # a reload does not post it again
    context = await _context(request, survey)
    context["problem"] = context["problem"] or problem
    return _page(request, context)


async def _survey(request: web.Request) -> dict[str, Any] | None:
    try:
        return await satisfaction.by_token(runtime(request), request.match_info["token"])
    except NotFound:
        return None


async def _context(request: web.Request, survey: dict[str, Any] | None) -> dict[str, Any]:
    if survey is None:
        return {"number": "", "rating": None, "open": False, "problem": "unknown"}
    return {
        "number": await satisfaction.reference_of(runtime(request), survey),
        "rating": survey.get("rating"),
        "comment": survey.get("comment"),
        "open": satisfaction.is_open(survey),
        "chosen": None,
        "problem": None,
    }


def _page(request: web.Request, context: dict[str, Any]) -> web.StreamResponse:
    return render(request, "survey.html", context, STATUS_OF_PROBLEM[context["problem"]])


def _rating(value: Any) -> int | None:
    return int(value) if str(value or "") in {"1", "2", "3", "4", "5"} else None


def setup(app: web.Application) -> None:
    app.router.add_get("/csat/{token}", survey_page)
    app.router.add_post("/csat/{token}", survey_answer)
