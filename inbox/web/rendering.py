"""The Jinja2 environment: autoescaping, translations, cache-busted static URLs."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from inbox import auth, i18n
from inbox.keys import PRINCIPAL, runtime

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"


@functools.cache
def _static_version(path: str) -> str:
    return hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:10]


def static_url(path: str) -> str:
    return f"/static/{path}?v={_static_version(path)}"


def setup(app: web.Application) -> None:
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(WEB_DIR / "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(static=static_url, languages=i18n.LANGUAGES)
    app.router.add_static("/static", STATIC_DIR, name="static")


def _base_context(request: web.Request) -> dict[str, Any]:
    me = request.get(PRINCIPAL)
    lang = i18n.current_language.get()
    csrf = auth.csrf_token(runtime(request), me) if me is not None and me.session_hash else None
    return {"me": me, "csrf": csrf, "lang": lang, "js_catalog": i18n.catalog_for_scripts(lang)}


def render(
    request: web.Request, template: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    context = {"page": None, **_base_context(request), **context}
    response = aiohttp_jinja2.render_template(template, request, context, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response
