"""Typed keys for what the application and each request carry."""

from __future__ import annotations

from aiohttp import web

from inbox.auth import Principal
from inbox.runtime import Runtime

RUNTIME = web.AppKey("runtime", Runtime)
PRINCIPAL = web.RequestKey("principal", Principal)


def runtime(request: web.Request) -> Runtime:
    return request.app[RUNTIME]


def principal(request: web.Request) -> Principal:
    return request[PRINCIPAL]
