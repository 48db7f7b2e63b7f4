"""GET /api/openapi.json: the API description, generated from the route declarations."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from inbox.api.routing import ROUTES, ApiRoute
from inbox.auth import Access, access

REF = "#/components/schemas/{model}"


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorBody(BaseModel):
    error: ErrorDetail


def _models() -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = [ErrorBody]
    for route in ROUTES:
        for model in (route.body, route.response):
            if isinstance(model, type) and issubclass(model, BaseModel) and model not in found:
                found.append(model)
    return found


def _operation(route: ApiRoute, refs: dict[type[BaseModel], str]) -> dict[str, Any]:
    error = {"application/json": {"schema": {"$ref": refs[ErrorBody]}}}
    answer: dict[str, Any] = {"description": "OK"}
    content: dict[str, Any] = {}
    if route.response is not None:
        content["application/json"] = {"schema": {"$ref": refs[route.response]}}
    if route.media is not None:  # instead of JSON (a download), or beside it (`format=csv`)
        content[route.media] = {"schema": {"type": "string", "format": "binary"}}
    if content:
        answer["content"] = content
    operation: dict[str, Any] = {
        "operationId": route.handler.__name__,
        "summary": route.summary,
        "tags": [route.tag],
        "parameters": _parameters(route),
        "responses": {
            str(route.status if route.response or route.media else 204): answer,
            "4XX": {"description": "Invalid request", "content": error},
        },
    }
    if route.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": refs[route.body]}}},
        }
    if route.access == Access.PUBLIC:
        operation["security"] = []
    elif route.access == Access.ADMIN:
        operation["description"] = "Admins only."
    return operation


def _parameters(route: ApiRoute) -> list[dict[str, Any]]:
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", route.path)
    ]
    if route.query is not None:
        schema = route.query.model_json_schema()
        for name, field in schema.get("properties", {}).items():
            params.append(
                {
                    "name": name,
                    "in": "query",
                    "required": False,
                    "schema": field,
                    "description": field.get("description", ""),
                }
            )
    return params


def document() -> dict[str, Any]:
    models = _models()
    keys, schemas = models_json_schema([(m, "serialization") for m in models], ref_template=REF)
    refs = {model: keys[(model, "serialization")]["$ref"] for model in models}
    paths: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Omnichannel Inbox API", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


@access(Access.PUBLIC)
async def openapi_json(request: web.Request) -> web.Response:
    return web.json_response(document())
