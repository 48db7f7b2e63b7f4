"""The usual routes of a resource whose service offers list_all, create, get, update, delete
and view, declared once instead of five near-identical handlers per resource; and of a set
of settings (view and save: GET and PUT on one path).

Declare a resource after its module's own routes: `GET /things/{id}` would otherwise shadow a
later `GET /things/something`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiohttp import web
from pydantic import BaseModel

from inbox.api.routing import api
from inbox.auth import Access
from inbox.keys import runtime
from inbox.models.common import Page
from inbox.runtime import Runtime


class Service(Protocol):
    """A service module with the usual operations (documents are dicts, ids strings)."""

    async def list_all(self, rt: Runtime) -> list[dict[str, Any]]: ...
    async def create(self, rt: Runtime, body: Any) -> dict[str, Any]: ...
    async def get(self, rt: Runtime, doc_id: str) -> dict[str, Any]: ...
    async def update(self, rt: Runtime, doc: dict[str, Any], body: Any) -> dict[str, Any]: ...
    async def delete(self, rt: Runtime, doc: dict[str, Any]) -> None: ...
    def view(self, doc: dict[str, Any]) -> dict[str, Any]: ...


def standard_routes(
    service: Service,
    *,
    path: str,
    names: tuple[str, str],
    tag: str,
    body: type[BaseModel],
    out: type[BaseModel],
    summaries: dict[str, str],
    read: Access = Access.AGENT,
    write: Access = Access.ADMIN,
) -> None:
    """Register the operations named in `summaries` (list, create, get, update, delete) under
    `path` and `path/{id}`; `names` is (singular, plural) for the OpenAPI operation ids."""
    one, many = names

    def shown(doc: dict[str, Any]) -> BaseModel:
        return out(**service.view(doc))

    async def current(request: web.Request) -> dict[str, Any]:
        return await service.get(runtime(request), request.match_info["id"])

    async def list_items(request: web.Request) -> Page[Any]:
        return Page(items=[shown(doc) for doc in await service.list_all(runtime(request))])

    async def create_item(request: web.Request, body: BaseModel) -> BaseModel:
        return shown(await service.create(runtime(request), body))

    async def get_item(request: web.Request) -> BaseModel:
        return shown(await current(request))

    async def update_item(request: web.Request, body: BaseModel) -> BaseModel:
        return shown(await service.update(runtime(request), await current(request), body))

    async def delete_item(request: web.Request) -> None:
        await service.delete(runtime(request), await current(request))

    item = f"{path}/{{id}}"
    operations: dict[str, tuple[str, str, Callable[..., Awaitable[Any]], dict[str, Any]]] = {
        "list": ("GET", path, list_items, {"response": Page[out], "level": read}),
        "create": (
            "POST",
            path,
            create_item,
            {"body": body, "response": out, "status": 201, "level": write},
        ),
        "get": ("GET", item, get_item, {"response": out, "level": read}),
        "update": ("PATCH", item, update_item, {"body": body, "response": out, "level": write}),
        "delete": ("DELETE", item, delete_item, {"level": write}),
    }
    for operation, summary in summaries.items():
        method, route, handler, options = operations[operation]
        handler.__name__ = f"{operation}_{many if operation == 'list' else one}"
        api(method, route, summary=summary, tag=tag, **options)(handler)


class SettingsService(Protocol):
    """A service module holding one set of settings: shown with `view`, replaced with `save`."""

    async def view(self, rt: Runtime) -> BaseModel: ...
    async def save(self, rt: Runtime, body: Any) -> BaseModel: ...


def settings_routes(
    service: SettingsService,
    *,
    path: str,
    name: str,
    tag: str,
    body: type[BaseModel],
    out: type[BaseModel],
    summaries: tuple[str, str],
    level: Access = Access.ADMIN,
) -> None:
    """`GET path` shows the settings and `PUT path` replaces them (`summaries`: the two)."""

    async def get_settings(request: web.Request) -> BaseModel:
        return await service.view(runtime(request))

    async def put_settings(request: web.Request, body: BaseModel) -> BaseModel:
        return await service.save(runtime(request), body)

    get_settings.__name__, put_settings.__name__ = f"get_{name}", f"put_{name}"
    api("GET", path, summary=summaries[0], tag=tag, response=out, level=level)(get_settings)
    api("PUT", path, summary=summaries[1], tag=tag, body=body, response=out, level=level)(
        put_settings
    )
