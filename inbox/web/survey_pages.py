"""The page a satisfaction survey's email links open: no sign-in, the link's token is the
key. A link records its rating at once (one click; the outside contract); the page then takes
an optional comment and lets the customer change the rating while the survey is open
(7 days). A posted answer redirects, so a reload sends nothing twice."""

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
    """The survey; a link's rating is recorded as it opens."""
    context = await _answer(request, _rating(request.query.get("rating")), None)
    return render(request, "survey.html", context, STATUS_OF_PROBLEM[context["problem"]])


@access(Access.PUBLIC)
async def survey_answer(request: web.Request) -> web.StreamResponse:
    """A rating (and comment) the customer sent from the page."""
    form = await request.post()
    comment = str(form.get("comment") or "").strip()[:MAX_COMMENT] or None
    context = await _answer(request, _rating(form.get("rating")), comment)
    if context["problem"] is None:
        raise web.HTTPSeeOther(request.path)
    return render(request, "survey.html", context, STATUS_OF_PROBLEM[context["problem"]])


async def _answer(request: web.Request, rating: int | None, comment: str | None) -> dict:
    """Record the answer, if any; what the page shows after it."""
    rt = runtime(request)
    try:
        survey = await satisfaction.by_token(rt, request.match_info["token"])
    except NotFound:
        return {"number": "", "rating": None, "open": False, "problem": "unknown"}
    problem = None
    if rating is not None:
        try:
            survey = await satisfaction.record(rt, survey, rating, comment)
        except Conflict:
            problem = "closed"
    return {
        "number": await satisfaction.reference_of(rt, survey),
        "rating": survey.get("rating"),
        "comment": survey.get("comment"),
        "open": satisfaction.is_open(survey),
        "problem": problem,
    }


def _rating(value: Any) -> int | None:
    return int(value) if str(value or "") in {"1", "2", "3", "4", "5"} else None


def setup(app: web.Application) -> None:
    app.router.add_get("/csat/{token}", survey_page)
    app.router.add_post("/csat/{token}", survey_answer)
