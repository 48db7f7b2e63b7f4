"""Declares API routes once: the handler, who may call it, its body and answer models.

The same declarations register the aiohttp routes, drive the access check and produce the
OpenAPI document, so the three cannot drift apart.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError

from inbox import jsonbody
from inbox.auth import Access, access
from inbox.errors import BadRequest, Invalid

PREFIX = "/api/v1"


@dataclass(frozen=True)
class ApiRoute:
    method: str
    path: str
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    summary: str
    tag: str
    access: Access
    status: int
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: Any
    media: str | None = None
    """The content type of an answer that is not JSON (a file, CSV)."""


ROUTES: list[ApiRoute] = []


def api(
    method: str,
    path: str,
    *,
    summary: str,
    tag: str,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: Any = None,
    status: int = 200,
    level: Access = Access.AGENT,
    media: str | None = None,
) -> Callable[
    [Callable[..., Awaitable[Any]]], Callable[[web.Request], Awaitable[web.StreamResponse]]
]:
    """Register `fn(request, body=..., query=...)`; it returns a model, dict, list or None."""

    def register(fn: Callable[..., Awaitable[Any]]) -> Any:
        @functools.wraps(fn)
        async def handler(request: web.Request) -> web.StreamResponse:
            kwargs: dict[str, Any] = {}
            if body is not None:
                kwargs["body"] = validate(body, await read_json(request))
            if query is not None:
                kwargs["query"] = validate(query, dict(request.query))
            result = await fn(request, **kwargs)
            if isinstance(result, web.StreamResponse):
                return result
            if result is None:
                return web.Response(status=204)
            return json_response(result, status)

        wrapped = access(level)(handler)
        ROUTES.append(
            ApiRoute(
                method,
                PREFIX + path,
                wrapped,
                summary,
                tag,
                level,
                status,
                body,
                query,
                response,
                media,
            )
        )
        return wrapped

    return register


def allowed_methods(path: str) -> list[str]:
    """The methods the API declares for `path` (for a 405's Allow header): those of a literal
    route when one matches exactly (`/tickets/bulk`), else of the templates that match it."""
    exact = [r.method for r in ROUTES if r.path == path]
    if exact:
        return sorted(set(exact))
    return sorted({r.method for r in ROUTES if _matches(r.path, path)})


def _matches(template: str, path: str) -> bool:
    wanted, given = template.split("/"), path.split("/")
    return len(wanted) == len(given) and all(
        w == g or (w.startswith("{") and w.endswith("}") and g)
        for w, g in zip(wanted, given, strict=True)
    )


async def read_json(request: web.Request) -> Any:
    raw = await request.read()
    if not raw:
        raise BadRequest("The request body is empty; send a JSON object.", code="invalid_json")
    try:
        return jsonbody.loads(raw)
    except (UnicodeDecodeError, ValueError) as error:
        raise BadRequest(f"The body is not valid JSON: {error}", code="invalid_json") from None


def validate(model: type[BaseModel], data: Any) -> Any:
    if not isinstance(data, dict):
        raise Invalid("Expected a JSON object.", code="invalid_body")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        details = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
            for e in error.errors(include_url=False, include_input=False)
        ]
        fields = ", ".join(d["field"] or "body" for d in details)
        raise Invalid(f"Invalid value for: {fields}.", details) from None


def to_json(result: Any) -> Any:
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    if isinstance(result, list):
        return [to_json(item) for item in result]
    if isinstance(result, dict):
        return {key: to_json(value) for key, value in result.items()}
    return result


def json_response(result: Any, status: int = 200) -> web.Response:
    return web.json_response(to_json(result), status=status)


API_MODULES = (
    "inbox.api.auth",
    "inbox.api.agents",
    "inbox.api.teams",
    "inbox.api.channels",
    "inbox.api.conversations",
    "inbox.api.contacts",
    "inbox.api.files",
    "inbox.api.retention",
    "inbox.api.notifications",
    "inbox.api.tickets",
    "inbox.api.ticket_settings",
    "inbox.portal.admin_api",
    "inbox.reports.api",
    "automations.rules.api",
    "automations.routing.api",
    "automations.shortcuts.api",
    "automations.sla.api",
    "automations.canned.api",
    "automations.bot.api",
)
"""Importing these fills ROUTES; named here so the core does not import automation code."""


def setup(app: web.Application) -> None:
    for module in API_MODULES:
        importlib.import_module(module)
    for route in ROUTES:
        app.router.add_route(route.method, route.path, route.handler)
