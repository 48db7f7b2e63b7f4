"""Typed keys for what the application and each request carry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from inbox.auth import Principal
from inbox.runtime import Runtime

if TYPE_CHECKING:
    from inbox.realtime import Hub

RUNTIME = web.AppKey("runtime", Runtime)
HUB: web.AppKey[Hub] = web.AppKey("hub")
PRINCIPAL = web.RequestKey("principal", Principal)


def runtime(request: web.Request) -> Runtime:
    return request.app[RUNTIME]


def principal(request: web.Request) -> Principal:
    return request[PRINCIPAL]
