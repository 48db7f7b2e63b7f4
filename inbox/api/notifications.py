"""The signed-in agent's notifications (mentions, tickets given to them)."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel

from inbox.api.routing import api
from inbox.keys import principal, runtime
from inbox.models.notifications import NotificationOut, NotificationQuery
from inbox.services import notifications


class NotificationList(BaseModel):
    items: list[NotificationOut]
    unread: int


@api(
    "GET",
    "/notifications",
    summary="My latest notifications, newest first",
    tag="notifications",
    query=NotificationQuery,
    response=NotificationList,
)
async def list_notifications(request: web.Request, query: NotificationQuery) -> NotificationList:
    rt, me = runtime(request), principal(request)
    found = await notifications.of_agent(rt, me, query.unread)
    return NotificationList(
        items=[NotificationOut.of(n) for n in found],
        unread=await notifications.unread_count(rt, me),
    )


@api(
    "POST",
    "/notifications/{id}/read",
    summary="Mark one notification read",
    tag="notifications",
    response=NotificationOut,
)
async def mark_read(request: web.Request) -> NotificationOut:
    doc = await notifications.mark_read(
        runtime(request), principal(request), request.match_info["id"]
    )
    return NotificationOut.of(doc)


@api(
    "POST", "/notifications/read-all", summary="Mark all my notifications read", tag="notifications"
)
async def mark_all_read(request: web.Request) -> None:
    await notifications.mark_all_read(runtime(request), principal(request))
