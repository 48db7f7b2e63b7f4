"""Request middleware: errors as JSON (or a page), language, and the access check."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from aiohttp import web
from aiohttp.web_urldispatcher import StaticResource

from inbox import auth, i18n, logs
from inbox.api import routing
from inbox.auth import Access
from inbox.errors import AppError, Forbidden, HttpError, PayloadTooLarge, Unauthorized
from inbox.i18n import gettext as _
from inbox.keys import PRINCIPAL, runtime
from inbox.portal import sessions as portal_sessions
from inbox.web.rendering import render

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MACHINE_PREFIXES = ("/api/", "/webhooks/", "/ws", "/healthz", "/portal/api/", "/portal/ws")
LANGUAGE_COOKIE = "inbox_lang"
INTERNAL = HttpError(500, "Internal error")
INTERNAL.message = "Something went wrong on our side; it has been logged."


def wants_json(request: web.Request) -> bool:
    """Machines' paths, and anything that sent JSON or asked for it (a script on a page)."""
    return (
        request.path.startswith(MACHINE_PREFIXES)
        or request.content_type == "application/json"
        or request.headers.get("Accept", "").startswith("application/json")
    )


def _error_response(request: web.Request, error: AppError) -> web.Response:
    if wants_json(request):
        return web.json_response(error.body(), status=error.status, headers=error.headers)
    context = {"title": f"{error.status}", "message": error.message}
    page = render(request, "error.html", context, status=error.status)
    page.headers.update(error.headers)
    return page


@web.middleware
async def request_id(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Name the request (its X-Request-Id or a new one) for the logs of all it causes."""
    name = logs.new_request_id(request.headers.get(logs.HEADER))
    logs.REQUEST_ID.set(name)
    try:
        response = await handler(request)
    except web.HTTPException as answer:  # redirects and the like
        answer.headers[logs.HEADER] = name
        raise
    response.headers[logs.HEADER] = name
    return response


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure gets a clear answer: JSON {"error": {...}} for machines, a page for people."""
    try:
        return await handler(request)
    except AppError as error:
        return _error_response(request, error)
    except web.HTTPRequestEntityTooLarge:
        limit = runtime(request).settings.max_body_bytes
        message = f"The body is larger than the {limit} bytes accepted here."
        return _error_response(request, PayloadTooLarge(message, {"limit": limit}))
    except web.HTTPException as error:
        if error.status < 400 or not wants_json(request):
            raise
        kept = {k: v for k, v in error.headers.items() if k in ("Allow", "Retry-After")}
        if error.status == 405 and request.path.startswith(routing.PREFIX):
            kept["Allow"] = ", ".join(routing.allowed_methods(request.path))
        return _error_response(request, HttpError(error.status, error.reason, kept))
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _error_response(request, INTERNAL)


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Let a request through only if its route's access level allows who is asking."""
    match = request.match_info
    if match.http_exception is not None or isinstance(match.route.resource, StaticResource):
        return await handler(request)
    level = auth.access_of(match.handler)
    if level is Access.PUBLIC:
        return await handler(request)
    if level is Access.CUSTOMER:
        return await _as_customer(request, handler)
    rt = runtime(request)
    principal = await auth.identify(rt, request)
    if principal is None:
        if wants_json(request):
            raise Unauthorized("Sign in, or send Authorization: Bearer <token>.")
        raise web.HTTPFound(f"/login?next={quote(request.path_qs)}")
    request[PRINCIPAL] = principal
    i18n.current_language.set(_language(request))
    if level is Access.ADMIN and not principal.is_admin:
        raise Forbidden("Only admins can do this.", code="admin_only")
    if not await auth.csrf_ok(rt, request, principal):
        raise Forbidden("Missing or wrong CSRF token; reload the page.", code="csrf")
    return await handler(request)


async def _as_customer(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Portal routes: the customer's own session and CSRF token, never an agent's."""
    rt = runtime(request)
    customer = await portal_sessions.identify(rt, request)
    if customer is None:
        if wants_json(request):
            raise Unauthorized(_("Sign in to the portal first."), code="portal_sign_in")
        raise web.HTTPFound(f"/portal/sign-in?next={quote(request.path_qs)}")
    request[portal_sessions.CUSTOMER] = customer
    if not await portal_sessions.csrf_ok(rt, request, customer):
        raise Forbidden(_("Missing or wrong CSRF token; reload the page."), code="csrf")
    return await handler(request)


def _language(request: web.Request) -> str:
    principal = request.get(PRINCIPAL)
    chosen = principal.language if principal is not None else None
    preferred = request.query.get("lang") or chosen or request.cookies.get(LANGUAGE_COOKIE)
    default = runtime(request).settings.language
    return i18n.pick_language(preferred, request.headers.get("Accept-Language"), default)


@web.middleware
async def language(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Choose the interface language; `?lang=vi` on any page remembers the choice (also
    across the redirect to a sign-in page)."""
    i18n.current_language.set(_language(request))
    try:
        response = await handler(request)
    except web.HTTPException as redirect:
        _remember_language(request, redirect)
        raise
    if isinstance(response, web.Response):
        _remember_language(request, response)
    return response


def _remember_language(request: web.Request, response: web.Response) -> None:
    chosen = request.query.get("lang")
    if chosen in i18n.LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=365 * 86400, samesite="Lax", path="/")


PAGE_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: https:; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: a strict policy for every answer (scripts only from this site)."""
    for name, value in PAGE_SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
