"""The aiohttp application factory."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import AsyncIterator

from aiohttp import web

from connectors import http, webhooks
from inbox import health, middleware
from inbox.api import openapi, routing
from inbox.keys import RUNTIME
from inbox.portal import api as portal_api
from inbox.portal import pages as portal_pages
from inbox.realtime import hub_context, portal_websocket, websocket
from inbox.reports import pages as report_pages
from inbox.runtime import Runtime
from inbox.settings import Settings
from inbox.web import pages, rendering, survey_pages


def create_app(settings: Settings, rt: Runtime | None = None) -> web.Application:
    """Build the web application. Pass `rt` to share an already open runtime (embedded mode,
    tests); otherwise the app opens its own from settings and closes it on cleanup."""
    app = web.Application(
        middlewares=[
            middleware.request_id,
            middleware.errors,
            middleware.language,
            middleware.authenticate,
        ],
        client_max_size=settings.max_body_bytes,
    )
    app.on_response_prepare.append(middleware.security_headers)
    app.cleanup_ctx.append(_runtime_context(settings, rt))
    app.cleanup_ctx.append(hub_context)
    app.on_startup.append(_ensure_defaults)
    rendering.setup(app)
    routing.setup(app)
    webhooks.setup(app)
    pages.setup(app)
    survey_pages.setup(app)
    portal_pages.setup(app)
    portal_api.setup(app)
    report_pages.setup(app)
    app.router.add_get("/ws", websocket)
    app.router.add_get("/portal/ws", portal_websocket)
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/metrics", health.metrics_page)
    app.router.add_get("/api/openapi.json", openapi.openapi_json)
    return app


DEFAULTS = ("inbox.services.contacts.upgrade", "automations.rules.defaults")
"""Modules whose `ensure(rt)` creates or upgrades what every installation has (named, not
imported, so the core does not depend on automation code)."""


async def _ensure_defaults(app: web.Application) -> None:
    for module in DEFAULTS:
        await importlib.import_module(module).ensure(app[RUNTIME])


def _runtime_context(settings: Settings, rt: Runtime | None):
    async def context(app: web.Application) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            app[RUNTIME] = rt or await stack.enter_async_context(Runtime.open(settings))
            stack.push_async_callback(http.close)
            yield

    return context
