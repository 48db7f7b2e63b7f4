"""Pages: sign-in, the shared inbox, tickets, admin."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode, urlsplit

from aiohttp import web

from inbox import auth, login_throttle
from inbox.auth import Access, access
from inbox.errors import AppError, TooManyRequests
from inbox.i18n import gettext as _
from inbox.keys import principal, runtime
from inbox.models.agents import AgentOut, AgentPatch, Availability, TeamOut
from inbox.models.contacts import ContactOut
from inbox.models.tickets import CategoryOut, TicketFieldOut, TicketOut, ViewOut
from inbox.services import agents, channels, teams, zalo_connect
from inbox.services.contacts import lists as contact_lists
from inbox.services.tickets import categories
from inbox.services.tickets import fields as ticket_fields
from inbox.services.tickets import lifecycle as tickets
from inbox.services.tickets import lists as ticket_lists
from inbox.web.rendering import render

SESSION_COOKIE_OPTIONS: dict[str, Any] = {"httponly": True, "samesite": "Lax", "path": "/"}


def safe_next(target: str | None) -> str:
    """Only same-origin absolute paths, so the sign-in page cannot bounce people to another
    site: no `//` or backslash, no scheme, and no control characters or spaces (browsers drop
    tabs and newlines, turning `/\t/evil.example` into `//evil.example`)."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in target)
    ):
        return "/inbox"
    parts = urlsplit(target)
    return "/inbox" if parts.scheme or parts.netloc else target


def _secure(request: web.Request) -> bool:
    return runtime(request).settings.base_url.startswith("https://")


@access(Access.AGENT)
async def home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/inbox")


@access(Access.PUBLIC)
async def login_form(request: web.Request) -> web.StreamResponse:
    rt = runtime(request)
    if await auth.identify(rt, request) is not None:
        raise web.HTTPFound(safe_next(request.query.get("next")))
    return _login_page(request, request.query.get("next"), email="", error=None)


def _login_page(
    request: web.Request, next_: str | None, email: str, error: str | None, status: int = 200
) -> web.Response:
    token = request.cookies.get(auth.LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    context = {"login_csrf": token, "next": safe_next(next_), "email": email, "error": error}
    response = render(request, "login.html", context, status)
    response.set_cookie(
        auth.LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        secure=_secure(request),
        **SESSION_COOKIE_OPTIONS,
    )
    return response


@access(Access.PUBLIC)
async def login(request: web.Request) -> web.StreamResponse:
    rt = runtime(request)
    form = await request.post()
    email = agents.normalise_email(str(form.get("email", "")))
    next_ = str(form.get("next", ""))
    if not auth.login_csrf_ok(request, form.get(auth.CSRF_FIELD)):
        return _login_page(request, next_, email, _("Your session expired. Please try again."), 403)
    ip = request.remote or "unknown"
    try:
        await login_throttle.check_allowed(rt, email, ip)
    except TooManyRequests as refused:
        message = _("Too many failed sign-in attempts. Try again in {seconds} s.").format(
            seconds=refused.retry_after
        )
        page = _login_page(request, next_, email, message, 429)
        page.headers.update(refused.headers)
        return page
    agent = await agents.authenticate(rt, email, str(form.get("password", "")))
    if agent is None:
        await login_throttle.record_failure(rt, email, ip)
        return _login_page(request, next_, email, _("Wrong email or password."), 401)
    await login_throttle.clear_failures(rt, email, ip)
    if agent.get("availability") == Availability.OFFLINE:
        await agents.update(rt, agent["_id"], AgentPatch(availability=Availability.ONLINE))
    token = await auth.start_session(rt, agent["_id"])
    response = web.HTTPFound(safe_next(next_))
    response.set_cookie(
        auth.SESSION_COOKIE,
        token,
        max_age=rt.settings.session_hours * 3600,
        secure=_secure(request),
        **SESSION_COOKIE_OPTIONS,
    )
    response.del_cookie(auth.LOGIN_CSRF_COOKIE, path="/")
    raise response


@access(Access.AGENT)
async def logout(request: web.Request) -> web.StreamResponse:
    me, rt = principal(request), runtime(request)
    if me.session_hash:
        await auth.end_session(rt, me.session_hash)
    await agents.update(rt, me.id, AgentPatch(availability=Availability.OFFLINE))
    response = web.HTTPFound("/login")
    response.del_cookie(auth.SESSION_COOKIE, path="/")
    raise response


async def _directory(request: web.Request) -> dict[str, Any]:
    """What the browser needs to draw names and menus: agents, teams, channels, the viewer."""
    rt = runtime(request)
    me = principal(request)
    with_bot = {doc["_id"] async for doc in rt.store["bots"].find({"enabled": True}, {"_id": 1})}
    return {
        "me": {"id": str(me.id), "name": me.name, "role": str(me.role)},
        "agents": [AgentOut.of(a).model_dump(mode="json") for a in await agents.list_all(rt)],
        "teams": [TeamOut.of(t).model_dump(mode="json") for t in await teams.list_all(rt)],
        "channels": [
            {
                **channels.view(rt, c).model_dump(mode="json", include={"id", "kind", "name"}),
                "bot": c["_id"] in with_bot,
            }
            for c in await channels.list_all(rt)
        ],
    }


@access(Access.AGENT)
async def inbox_page(request: web.Request) -> web.StreamResponse:
    return render(request, "inbox.html", {"page": "inbox", "bootstrap": await _directory(request)})


@access(Access.AGENT)
async def contacts_page(request: web.Request) -> web.StreamResponse:
    context = {"page": "contacts", "bootstrap": await _directory(request)}
    return render(request, "contacts.html", context)


@access(Access.AGENT)
async def contact_page(request: web.Request) -> web.StreamResponse:
    """One person: their details, channels, conversations, tickets; merge and erase."""
    contact = await contact_lists.get_visible(
        runtime(request), request.match_info["id"], principal(request)
    )
    bootstrap = await _directory(request)
    bootstrap["contact"] = ContactOut.of(contact).model_dump(mode="json")
    return render(request, "contact.html", {"page": "contacts", "bootstrap": bootstrap})


async def _ticket_directory(request: web.Request) -> dict[str, Any]:
    """The directory plus what ticket pages draw: categories and custom fields."""
    rt = runtime(request)
    return {
        **await _directory(request),
        "categories": [CategoryOut.of(c).model_dump() for c in await categories.list_all(rt)],
        "fields": [TicketFieldOut.of(f).model_dump() for f in await ticket_fields.list_all(rt)],
    }


@access(Access.AGENT)
async def tickets_page(request: web.Request) -> web.StreamResponse:
    bootstrap = await _ticket_directory(request)
    found = await ticket_lists.views(runtime(request), principal(request))
    bootstrap["views"] = [ViewOut.of(v).model_dump() for v in found]
    return render(request, "tickets.html", {"page": "tickets", "bootstrap": bootstrap})


@access(Access.AGENT)
async def ticket_page(request: web.Request) -> web.StreamResponse:
    """One ticket, by number (T-000123) or id."""
    ticket = await tickets.get_visible(
        runtime(request), request.match_info["ref"], principal(request)
    )
    bootstrap = await _ticket_directory(request)
    bootstrap["ticket"] = TicketOut.of(ticket).model_dump(mode="json")
    return render(request, "ticket.html", {"page": "tickets", "bootstrap": bootstrap})


@access(Access.ADMIN)
async def admin_page(request: web.Request) -> web.StreamResponse:
    bootstrap = await _directory(request)
    bootstrap["zalo_callback_url"] = zalo_connect.callback_url(runtime(request))
    context = {"page": "admin", "section": "settings", "bootstrap": bootstrap}
    return render(request, "admin.html", context)


@access(Access.ADMIN)
async def zalo_callback(request: web.Request) -> web.StreamResponse:
    """Zalo sends the admin back here after they granted access to their Official Account."""
    query = request.query
    try:
        channel = await zalo_connect.finish(
            runtime(request),
            query.get("state", ""),
            query.get("code", ""),
            query.get("oa_id", ""),
            principal(request).id,
        )
    except AppError as error:
        outcome = {"channel_error": error.message}
    else:
        outcome = {"channel_connected": channel.name}
    raise web.HTTPSeeOther(f"/admin?{urlencode(outcome)}#channels")


@access(Access.ADMIN)
async def rules_page(request: web.Request) -> web.StreamResponse:
    """Automation rules and shortcuts (the builder draws from /api/v1/rules/catalogue)."""
    context = {"page": "admin", "section": "rules", "bootstrap": await _directory(request)}
    return render(request, "rules.html", context)


@access(Access.ADMIN)
async def sla_page(request: web.Request) -> web.StreamResponse:
    """Calendars and SLA policies."""
    rt = runtime(request)
    bootstrap = await _directory(request)
    bootstrap["categories"] = [
        CategoryOut.of(c).model_dump() for c in await categories.list_all(rt)
    ]
    context = {"page": "admin", "section": "sla", "bootstrap": bootstrap}
    return render(request, "sla.html", context)


@access(Access.ADMIN)
async def bots_page(request: web.Request) -> web.StreamResponse:
    """The bot of each channel, the FAQ and the questions the bot could not answer."""
    context = {"page": "admin", "section": "bots", "bootstrap": await _directory(request)}
    return render(request, "bots.html", context)


def setup(app: web.Application) -> None:
    app.router.add_get("/", home)
    app.router.add_get("/login", login_form)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
    app.router.add_get("/inbox", inbox_page)
    app.router.add_get("/contacts", contacts_page)
    app.router.add_get("/contacts/{id}", contact_page)
    app.router.add_get("/tickets", tickets_page)
    app.router.add_get("/tickets/{ref}", ticket_page)
    app.router.add_get("/admin", admin_page)
    app.router.add_get(zalo_connect.CALLBACK_PATH, zalo_callback)
    app.router.add_get("/admin/rules", rules_page)
    app.router.add_get("/admin/sla", sla_page)
    app.router.add_get("/admin/bots", bots_page)
