"""The page a satisfaction survey's email links open: no sign-in, the link's token is the
key. A link records its rating at once (one click); the page then takes an optional comment
and lets the customer change the rating while the survey is open (7 days)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from inbox.auth import Access, access
from inbox.errors import Conflict, NotFound
from inbox.keys import runtime
from inbox.services.tickets import satisfaction
from inbox.web.rendering import render

MAX_COMMENT = 2000


@access(Access.PUBLIC)
async def survey_page(request: web.Request) -> web.StreamResponse:
    rating = _rating(request.query.get("rating"))
    return await _answer(request, rating, None)


@access(Access.PUBLIC)
async def survey_answer(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    comment = str(form.get("comment") or "").strip()[:MAX_COMMENT] or None
    return await _answer(request, _rating(form.get("rating")), comment)


async def _answer(
    request: web.Request, rating: int | None, comment: str | None
) -> web.StreamResponse:
    rt = runtime(request)
    try:
        survey = await satisfaction.by_token(rt, request.match_info["token"])
    except NotFound as missing:
        return render(request, "survey.html", _context(None, None, str(missing)), 404)
    number = await satisfaction.reference_of(rt, survey)
    error = None
    if rating is not None:
        try:
            survey = await satisfaction.record(rt, survey, rating, comment)
        except Conflict as closed:
            error = closed.message
    context = _context(survey, number, error)
    return render(request, "survey.html", context, 409 if error else 200)


def _context(survey: dict[str, Any] | None, number: str | None, error: str | None) -> dict:
    return {
        "number": number or "",
        "rating": (survey or {}).get("rating"),
        "comment": (survey or {}).get("comment"),
        "open": survey is not None and satisfaction.is_open(survey),
        "error": error,
    }


def _rating(value: Any) -> int | None:
    return int(value) if str(value or "") in {"1", "2", "3", "4", "5"} else None


def setup(app: web.Application) -> None:
    app.router.add_get("/csat/{token}", survey_page)
    app.router.add_post("/csat/{token}", survey_answer)
