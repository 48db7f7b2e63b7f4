"""The portal's pages: sign-in (email → link and code), the customer's requests, a new
request, one request's thread, and sign-out. Scripts do the rest through `/portal/api/`."""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from inbox import auth, i18n
from inbox.api.routing import read_json
from inbox.auth import Access, access
from inbox.errors import AppError, Invalid, TooManyRequests
from inbox.i18n import gettext as _
from inbox.keys import runtime
from inbox.portal import config, customers, sessions, sign_in, sms, tell, views
from inbox.portal.sessions import customer
from inbox.runtime import Runtime
from inbox.web.rendering import render

SIGN_IN_CSRF_COOKIE = "inbox_portal_login"


def _next(target: Any) -> str:
    """Only the portal's own pages, so a link cannot lead elsewhere."""
    if (
        isinstance(target, str)
        and target.startswith("/portal")
        and "//" not in target
        and "\\" not in target
        and not any(ch.isspace() or ord(ch) < 32 for ch in target)
    ):
        return target
    return "/portal"


def _secure(request: web.Request) -> bool:
    return runtime(request).settings.base_url.startswith("https://")


async def _page(
    request: web.Request, template: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    """A portal page with the brand and, when signed in, the customer and their CSRF token."""
    rt = runtime(request)
    me = request.get(sessions.CUSTOMER)
    brand = await config.settings_of(rt)
    base = {
        "brand": brand,
        "hours": await config.hours_text(rt, brand),
        "customer": me,
        "portal_csrf": sessions.csrf_token(rt, me) if me is not None else None,
        "stage_labels": views.stage_labels(),
    }
    return render(request, template, {**base, **context}, status)


# ---- signing in ------------------------------------------------------------------------------


@access(Access.PUBLIC)
async def sign_in_page(request: web.Request) -> web.StreamResponse:
    if await sessions.identify(runtime(request), request) is not None:
        raise web.HTTPFound(_next(request.query.get("next")))
    return await _sign_in_form(request, request.query.get("next"), "", None, sent=False)


async def _sign_in_form(
    request: web.Request,
    next_: Any,
    email: str,
    error: str | None,
    *,
    sent: bool,
    status: int = 200,
) -> web.Response:
    phones = await sms.gateway(runtime(request)) is not None
    context = {"next": _next(next_), "email": email, "error": error, "sent": sent, "phones": phones}
    return await _with_sign_in_csrf(request, "portal/sign_in.html", context, status)


async def _with_sign_in_csrf(
    request: web.Request, template: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    """A page whose form signs in: a double-submit token (cookie and field), so another site
    cannot sign a visitor in as someone else."""
    token = request.cookies.get(SIGN_IN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = await _page(request, template, {**context, "sign_in_csrf": token}, status)
    response.set_cookie(
        SIGN_IN_CSRF_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="Lax",
        path="/portal",
        secure=_secure(request),
    )
    return response


def _sign_in_csrf_ok(request: web.Request, form: dict[str, Any]) -> bool:
    return auth.login_csrf_ok(request, form.get("csrf_token"), SIGN_IN_CSRF_COOKIE)


async def _fields(request: web.Request) -> tuple[dict[str, Any], bool]:
    """The posted fields (form or JSON), and whether the caller wants JSON back."""
    if request.content_type == "application/json":
        data = await read_json(request)
        if not isinstance(data, dict):
            raise Invalid(_("Expected a JSON object."), code="invalid_body")
        return data, True
    return dict(await request.post()), "application/json" in request.headers.get("Accept", "")


@access(Access.PUBLIC)
async def request_link(request: web.Request) -> web.StreamResponse:
    """Send a sign-in link and code; the same answer for any address (no enumeration)."""
    rt = runtime(request)
    fields, as_json = await _fields(request)
    next_ = _next(fields.get("next"))
    try:
        where = await _address(rt, fields.get("email") or fields.get("phone"))
        issued = await sign_in.request_link(rt, where, request.remote or "?", next_)
    except AppError as error:
        if as_json or not isinstance(error, Invalid | TooManyRequests):
            raise
        email = str(fields.get("email") or "")[:254]
        return await _sign_in_form(
            request, next_, email, error.message, sent=False, status=error.status
        )
    await tell.sign_in_link(rt, issued, i18n.current_language.get())
    message = _(
        "If %(address)s can receive messages, a sign-in link and a code are on their way. "
        "They work once, for 15 minutes."
    ) % {"address": where.value}
    if as_json:
        return web.json_response({"message": message}, status=202)
    return await _sign_in_form(request, next_, where.value, None, sent=True)


async def _address(rt: Runtime, raw: Any) -> customers.Address:
    """An email address, or a phone number when SMS is on."""
    phones = await sms.gateway(rt) is not None
    return customers.address(raw, rt.settings.phone_region, phones=phones)


@access(Access.PUBLIC)
async def enter_code(request: web.Request) -> web.StreamResponse:
    rt = runtime(request)
    form = dict(await request.post())
    next_ = _next(form.get("next"))
    email = str(form.get("email") or "")[:254]
    if not _sign_in_csrf_ok(request, form):
        return await _sign_in_form(
            request, next_, email, _("The form expired; try again."), sent=True, status=403
        )
    try:
        where = await _address(rt, email)
        contact, target = await sign_in.redeem_code(rt, where, str(form.get("code") or ""))
    except (sign_in.LinkUnusable, Invalid, TooManyRequests) as error:
        message = error.message if isinstance(error, AppError) else str(error)
        status = error.status if isinstance(error, AppError) else 400
        return await _sign_in_form(request, next_, email, message, sent=True, status=status)
    return await _signed_in(request, contact, target if target != "/portal" else next_)


@access(Access.PUBLIC)
async def link_page(request: web.Request) -> web.StreamResponse:
    """A link from an email or a chat: a button that signs in (mail scanners that open links
    do not spend it); the page says clearly when the link cannot be used."""
    link = await sign_in.peek(runtime(request), request.match_info["token"])
    if isinstance(link, sign_in.LinkUnusable):
        return await _unusable(request, link)
    return await _with_sign_in_csrf(request, "portal/link.html", {})


@access(Access.PUBLIC)
async def use_link(request: web.Request) -> web.StreamResponse:
    if not _sign_in_csrf_ok(request, dict(await request.post())):
        return await _with_sign_in_csrf(
            request,
            "portal/link.html",
            {"error": _("The page expired; press the button again.")},
            403,
        )
    try:
        contact, target = await sign_in.redeem_token(runtime(request), request.match_info["token"])
    except sign_in.LinkUnusable as unusable:
        return await _unusable(request, unusable)
    return await _signed_in(request, contact, target)


async def _unusable(request: web.Request, unusable: sign_in.LinkUnusable) -> web.Response:
    context = {"message": str(unusable), "email": unusable.address or ""}
    return await _page(request, "portal/link_unusable.html", context, 410)


async def _signed_in(request: web.Request, contact: dict[str, Any], target: str) -> web.Response:
    rt = runtime(request)
    await customers.remember_language(rt, contact, i18n.current_language.get())
    token = await sessions.start(rt, contact["_id"])
    response = web.HTTPSeeOther(_next(target))
    response.set_cookie(
        sessions.COOKIE,
        token,
        max_age=int(sessions.LIFETIME.total_seconds()),
        httponly=True,
        samesite="Lax",
        path="/portal",
        secure=_secure(request),
    )
    response.del_cookie(SIGN_IN_CSRF_COOKIE, path="/portal")
    raise response


@access(Access.CUSTOMER)
async def sign_out(request: web.Request) -> web.StreamResponse:
    await sessions.end(runtime(request), customer(request).session_hash)
    response = web.HTTPSeeOther("/portal/sign-in")
    response.del_cookie(sessions.COOKIE, path="/portal")
    raise response


# ---- the customer's pages ----------------------------------------------------------------------


@access(Access.CUSTOMER)
async def my_requests(request: web.Request) -> web.StreamResponse:
    items = await views.list_for(runtime(request), customer(request))
    return await _page(request, "portal/list.html", {"items": items})


@access(Access.CUSTOMER)
async def new_request(request: web.Request) -> web.StreamResponse:
    return await _page(request, "portal/new.html", {"request_key": secrets.token_urlsafe(24)})


@access(Access.CUSTOMER)
async def ticket_page(request: web.Request) -> web.StreamResponse:
    rt, me = runtime(request), customer(request)
    ticket = await views.find(rt, me, request.match_info["number"])
    detail = await views.detail(rt, me, ticket)
    return await _page(request, "portal/ticket.html", {"ticket": detail})


@access(Access.ADMIN)
async def admin_page(request: web.Request) -> web.StreamResponse:
    """Admin → Customer portal (an agent-app page; its script calls /api/v1/portal)."""
    return render(request, "portal_admin.html", {"page": "admin", "section": "portal"})


def setup(app: web.Application) -> None:
    app.router.add_get("/admin/portal", admin_page)
    app.router.add_get("/portal", my_requests)
    app.router.add_get("/portal/new", new_request)
    app.router.add_get("/portal/tickets/{number}", ticket_page)
    app.router.add_get("/portal/sign-in", sign_in_page)
    app.router.add_post("/portal/sign-in", request_link)
    app.router.add_post("/portal/code", enter_code)
    app.router.add_get("/portal/auth/{token}", link_page)
    app.router.add_post("/portal/auth/{token}", use_link)
    app.router.add_post("/portal/sign-out", sign_out)
