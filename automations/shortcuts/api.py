"""REST for shortcuts (macros): define them, list them, run one on a ticket or a conversation.
Registered with the other resources by `inbox.api.routing`."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from automations.shortcuts import macros, previews
from inbox.api.resources import standard_routes
from inbox.api.routing import api
from inbox.events import customer_not_told
from inbox.keys import principal, runtime
from inbox.models.tickets import NotifyQuery, UpdatePreviewOut


class MacroOut(BaseModel):
    id: str
    name: str
    description: str | None
    inputs: list[dict[str, Any]]
    actions: list[dict[str, Any]]


class MacroRunOut(BaseModel):
    results: list[dict[str, Any]]


class MacroMessageOut(UpdatePreviewOut):
    action: int = Field(description="which of the shortcut's actions sends it (its index)")
    type: str = Field(description="that action's type")
    follows_choice: bool = Field(
        description="whether running with notify=false keeps it from the customer (a customer "
        "update does; a reply the shortcut writes does not)"
    )


class MacroPreviewOut(BaseModel):
    messages: list[MacroMessageOut]


@api(
    "POST",
    "/macros/{id}/run",
    summary="Run a shortcut on a ticket or a conversation",
    tag="shortcuts",
    body=macros.MacroRun,
    query=NotifyQuery,
    response=MacroRunOut,
)
async def run_macro(request: web.Request, body: macros.MacroRun, query: NotifyQuery) -> MacroRunOut:
    rt = runtime(request)
    macro = await macros.get(rt, request.match_info["id"])
    with customer_not_told(not query.notify):
        return MacroRunOut(results=await macros.run(rt, macro, body, principal(request)))


@api(
    "POST",
    "/macros/{id}/preview",
    summary="What running a shortcut now would write to the customer: its replies and the "
    "customer updates its changes call for (inputs may still be incomplete)",
    tag="shortcuts",
    body=macros.MacroRun,
    response=MacroPreviewOut,
)
async def preview_macro(request: web.Request, body: macros.MacroRun) -> MacroPreviewOut:
    rt = runtime(request)
    macro = await macros.get(rt, request.match_info["id"])
    found = await previews.preview(rt, macro, body, principal(request))
    return MacroPreviewOut(messages=[MacroMessageOut(**message) for message in found])


standard_routes(
    macros,
    path="/macros",
    names=("macro", "macros"),
    tag="shortcuts",
    body=macros.MacroBody,
    out=MacroOut,
    summaries={
        "list": "Shortcuts agents can run",
        "create": "Define a shortcut",
        "update": "Change a shortcut",
        "delete": "Delete a shortcut",
    },
)
