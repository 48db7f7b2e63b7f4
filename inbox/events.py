"""Events: the persisted outbox of everything that happened.

`emit` stores the event, publishes it on Redis for live views and enqueues `process_event`
for the worker. The sweep re-enqueues events still unprocessed after their retry time, so an
outage of Redis or of the workers delays automation but loses nothing.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from bson import ObjectId
from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from inbox import clock, logs, metrics
from inbox.ids import new_id, str_id
from inbox.queue import PROCESS_EVENT
from inbox.runtime import Runtime

log = logging.getLogger(__name__)

EVENTS_CHANNEL = "inbox.events"
FIRST_RETRY = timedelta(seconds=60)
MAX_SWEEPS = 8


class EventType(StrEnum):
    CONVERSATION_CREATED = "conversation.created"
    CONVERSATION_UPDATED = "conversation.updated"
    MESSAGE_CREATED = "message.created"
    MESSAGE_UPDATED = "message.updated"
    CONTACT_CREATED = "contact.created"
    CONTACT_UPDATED = "contact.updated"
    TICKET_CREATED = "ticket.created"
    TICKET_UPDATED = "ticket.updated"
    TICKET_ESCALATED = "ticket.escalated"
    TICKET_TIME_IN_STATUS = "ticket.time_in_status"
    CONVERSATION_ESCALATED = "conversation.escalated"
    SLA_WARNING = "sla.warning"
    SLA_BREACHED = "sla.breached"
    NOTIFICATION_CREATED = "notification.created"
    CSAT_RECEIVED = "csat.received"
    AGENT_PRESENCE = "agent.presence"
    """An agent's span online or busy ended (reports count the time)."""
    CSAT_SENT = "csat.sent"
    """A satisfaction survey went to the customer (reports count the response rate)."""


class Actor(BaseModel):
    """Who caused a change: an agent, the contact, the bot, a rule or the system."""

    type: str
    id: str | None = None
    name: str | None = None


SYSTEM = Actor(type="system")


class Scope(BaseModel):
    """What decides who may see an event live: the conversation's team and assignee."""

    conversation_id: str | None = None
    team_id: str | None = None
    assignee_id: str | None = None
    agent_ids: list[str] = []
    """Agents who may see it whatever its team (a ticket's assignees)."""
    private: bool = False
    """Only `agent_ids` may see it (a notification for one agent)."""
    contact_id: str | None = None
    """The customer it concerns: their portal pages hear that something changed (never what)."""

    @classmethod
    def of_conversation(cls, conversation: dict[str, Any]) -> Scope:
        return cls(
            conversation_id=str(conversation["_id"]),
            team_id=str_id(conversation.get("team_id")),
            assignee_id=str_id(conversation.get("assignee_id")),
            contact_id=str_id(conversation.get("contact_id")),
        )


Handler = Callable[[Runtime, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Cause:
    """The event whose handling is making the current changes (an automation rule's run)."""

    event_id: ObjectId
    depth: int
    """How many automatic steps separate the changes from a person's or a platform's act."""
    quiet: bool = False
    """The person asked that the customer not be told of it (nor of what follows from it)."""


_cause: ContextVar[Cause | None] = ContextVar("event_cause", default=None)
_quiet: ContextVar[bool] = ContextVar("customer_not_told", default=False)


@contextlib.contextmanager
def customer_not_told(quiet: bool = True) -> Iterator[None]:
    """Events emitted inside this block say the customer is not to be told of them (an
    agent's *don't notify*); events their handling causes say so too."""
    token = _quiet.set(quiet)
    try:
        yield
    finally:
        _quiet.reset(token)


@contextlib.contextmanager
def acting_on(event: dict[str, Any]) -> Iterator[Cause]:
    """Events emitted inside this block carry `event` as their cause, one level deeper."""
    cause = Cause(event["_id"], event.get("depth", 0) + 1, bool(event.get("quiet")))
    token = _cause.set(cause)
    try:
        yield cause
    finally:
        _cause.reset(token)


def current_cause() -> Cause | None:
    return _cause.get()


async def emit(
    rt: Runtime,
    type: EventType,
    *,
    subject_type: str,
    subject_id: ObjectId,
    data: dict[str, Any],
    scope: Scope,
    actor: Actor = SYSTEM,
    changes: dict[str, Any] | None = None,
    caused_by: ObjectId | None = None,
    depth: int = 0,
) -> ObjectId:
    """Persist, publish and enqueue one event; returns its id.

    Inside `acting_on(...)` the event records that cause and its depth, so automation can see
    how it came about and stop chains that feed themselves.
    """
    cause = _cause.get()
    if caused_by is None and cause is not None:
        caused_by, depth = cause.event_id, cause.depth
    created_at = clock.now()
    event = {
        "_id": new_id(),
        "type": str(type),
        "subject": {"type": subject_type, "id": subject_id},
        "data": to_jsonable_python(data, fallback=str),
        "changes": to_jsonable_python(changes, fallback=str),
        "scope": scope.model_dump(),
        "actor": actor.model_dump(),
        "caused_by": caused_by,
        "depth": depth,
        "created_at": created_at,
        "processed_at": None,
        "retry_at": created_at + FIRST_RETRY,
        "request_id": logs.REQUEST_ID.get(),
        "sweeps": 0,
        "quiet": _quiet.get() or (cause is not None and cause.quiet),
    }
    await rt.store["events"].insert_one(event)
    await publish(rt, public_view(event))
    if not await rt.queue.enqueue(PROCESS_EVENT, str(event["_id"])):
        # The broker is away: the next sweep after it is back takes this event at once.
        await rt.store["events"].update_one(
            {"_id": event["_id"]}, {"$set": {"retry_at": created_at}}
        )
    return event["_id"]


async def emit_in_conversation(
    rt: Runtime,
    type: EventType,
    subject: dict[str, Any],
    view: BaseModel,
    conversation: dict[str, Any],
    actor: Actor,
    changes: dict[str, Any] | None = None,
) -> ObjectId:
    """Emit a change of a conversation or of something in it, seen by whoever sees it."""
    return await emit(
        rt,
        type,
        subject_type=type.split(".")[0],
        subject_id=subject["_id"],
        data=view.model_dump(),
        scope=Scope.of_conversation(conversation),
        actor=actor,
        changes=changes,
    )


def public_view(event: dict[str, Any]) -> dict[str, Any]:
    """The JSON form sent to browsers and external consumers."""
    return {
        "id": str(event["_id"]),
        "type": event["type"],
        "subject": {"type": event["subject"]["type"], "id": str_id(event["subject"]["id"])},
        "data": event["data"],
        "changes": event["changes"],
        "actor": event["actor"],
        "scope": event["scope"],
        "created_at": clock.iso(event["created_at"]),
    }


async def publish(rt: Runtime, message: dict[str, Any], channel: str = EVENTS_CHANNEL) -> None:
    """Best effort: live views resynchronise on reconnect, the event itself is stored."""
    try:
        await rt.redis.publish(channel, json.dumps(message, default=str))
    except Exception:
        log.warning("could not publish on %s", channel, exc_info=True)


async def process(rt: Runtime, event_id: str, handlers: Sequence[Handler]) -> bool:
    """Run the handlers for one event, once; returns False when there was nothing to do."""
    events = rt.store["events"]
    event = await events.find_one({"_id": ObjectId(event_id)})
    if event is None or event["processed_at"] is not None:
        return False
    logs.REQUEST_ID.set(event.get("request_id"))
    log.debug("processing %s %s", event["type"], event["_id"])
    for handler in handlers:
        try:
            await handler(rt, event)
        except Exception as error:
            await _failed(rt, event, handler, error)
            raise
    await events.update_one({"_id": event["_id"]}, {"$set": {"processed_at": clock.now()}})
    metrics.observe_event(event["created_at"])
    return True


async def _failed(rt: Runtime, event: dict[str, Any], handler: Handler, error: Exception) -> None:
    """Keep why the event failed on it (the worker retries it): operators and tests see it."""
    where = f"{handler.__module__}.{handler.__qualname__}"
    log.warning("event %s (%s) failed in %s", event["_id"], event["type"], where, exc_info=True)
    await rt.store["events"].update_one(
        {"_id": event["_id"]},
        {
            "$set": {"last_error": f"{where}: {type(error).__name__}: {error}"[:1000]},
            "$inc": {"failures": 1},
        },
    )


async def prune(rt: Runtime) -> int:
    """Delete processed events past the retention period; returns how many."""
    cutoff = clock.now() - timedelta(hours=rt.settings.event_retention_hours)
    result = await rt.store["events"].delete_many({"processed_at": {"$lt": cutoff}})
    return result.deleted_count


async def due_now(rt: Runtime) -> int:
    """Make every unprocessed event due for the next sweep (the broker lost its queue)."""
    now = clock.now()
    result = await rt.store["events"].update_many(
        {"processed_at": None, "retry_at": {"$gt": now}}, {"$set": {"retry_at": now}}
    )
    return result.modified_count


async def sweep(rt: Runtime, limit: int = 500) -> int:
    """Re-enqueue events whose processing is overdue, with growing delays; returns how many."""
    events = rt.store["events"]
    now = clock.now()
    overdue = events.find(
        {"processed_at": None, "retry_at": {"$lte": now}}, sort=[("retry_at", 1)], limit=limit
    )
    count = 0
    async for event in overdue:
        sweeps = event.get("sweeps", 0) + 1
        retry_at = None if sweeps >= MAX_SWEEPS else now + FIRST_RETRY * 2**sweeps
        await events.update_one(
            {"_id": event["_id"]}, {"$set": {"retry_at": retry_at, "sweeps": sweeps}}
        )
        if retry_at is None:
            log.error("event %s (%s) was never processed; giving up", event["_id"], event["type"])
            continue
        await rt.queue.enqueue(PROCESS_EVENT, str(event["_id"]))
        count += 1
    return count
