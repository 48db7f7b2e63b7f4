"""Tickets: a customer's request with a number, an owner, a priority, a due date and a history.

A ticket is usually promoted from a conversation and keeps its thread: every message of its
conversations belongs to it. Status changes follow `TRANSITIONS`; closed is final, except that
a customer writing again reopens it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

from inbox import clock, search
from inbox.auth import Principal
from inbox.errors import AppError, Conflict, Invalid, NotFound
from inbox.events import SYSTEM, Actor, EventType, Scope, emit
from inbox.ids import new_id, parse_id
from inbox.models.common import Priority
from inbox.models.conversations import ConversationPatch, ConversationStatus
from inbox.models.tickets import (
    PRIORITY_RANK,
    BulkFailure,
    TicketBulkChanges,
    TicketCreate,
    TicketFields,
    TicketOut,
    TicketPromote,
    TicketStatus,
    ticket_number,
)
from inbox.runtime import Runtime
from inbox.services import (
    agents,
    conversations,
    counters,
    files,
    messages,
    notifications,
    teams,
)
from inbox.services.contacts import holders
from inbox.services.contacts import records as contacts
from inbox.services.tickets import categories
from inbox.services.tickets import fields as ticket_fields
from inbox.services.tickets import history as ticket_history
from inbox.visibility import ticket_filter

Status = TicketStatus
TRANSITIONS: dict[str, set[str]] = {
    Status.NEW: {Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED},
    Status.OPEN: {Status.PENDING, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED},
    Status.PENDING: {Status.OPEN, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED},
    Status.ON_HOLD: {Status.OPEN, Status.PENDING, Status.RESOLVED, Status.CLOSED},
    Status.RESOLVED: {Status.OPEN, Status.CLOSED},
    Status.CLOSED: set(),
}
REOPENED_BY_CUSTOMER = (Status.PENDING, Status.RESOLVED, Status.CLOSED)
DONE = (Status.RESOLVED, Status.CLOSED)
NO_DUE = datetime(9999, 1, 1, tzinfo=UTC)


def rank(due_at: datetime | None, priority: str, sla_due_at: datetime | None = None) -> str:
    """The list order: due soonest first (the ticket's own due time or its next SLA target;
    none last), then by priority."""
    due = min((d for d in (due_at, sla_due_at) if d is not None), default=NO_DUE)
    seconds = int(due.timestamp())
    return f"{seconds:013d}-{PRIORITY_RANK[priority]}"


def scope(ticket: dict[str, Any]) -> Scope:
    return Scope(
        team_id=str(ticket["team_id"]) if ticket.get("team_id") else None,
        agent_ids=[str(a) for a in ticket.get("assignee_ids", [])],
        contact_id=str(ticket["contact_id"]) if ticket.get("contact_id") else None,
    )


async def emit_ticket(
    rt: Runtime,
    type_: EventType,
    ticket: dict[str, Any],
    actor: Actor,
    changes: dict[str, Any] | None = None,
) -> None:
    await emit(
        rt,
        type_,
        subject_type="ticket",
        subject_id=ticket["_id"],
        data=TicketOut.of(ticket).model_dump(),
        scope=scope(ticket),
        actor=actor,
        changes=changes,
    )


# ---- creating ------------------------------------------------------------------------------


async def promote(
    rt: Runtime, conversation_id: str, body: TicketPromote, principal: Principal
) -> dict[str, Any]:
    """Make the conversation a ticket; a conversation has one ticket at most (409 otherwise)."""
    conversation = await conversations.get_visible(rt, conversation_id, principal)
    await _refuse_second_ticket(rt, conversation)
    defaults = {
        "team_id": conversation.get("team_id"),
        "assignee_ids": [conversation["assignee_id"]] if conversation.get("assignee_id") else [],
        "priority": conversation.get("priority") or Priority.MEDIUM,
    }
    contact = await contacts.get(rt, conversation["contact_id"])
    return await _open(rt, body, contact, conversation, defaults, principal)


async def create(rt: Runtime, body: TicketCreate, principal: Principal) -> dict[str, Any]:
    """A ticket an agent opens for a contact, on one of their conversations or on none."""
    contact = await contacts.get(rt, parse_id(body.contact_id, "contact"))
    conversation = None
    if body.conversation_id is not None:
        conversation = await conversations.get_visible(rt, body.conversation_id, principal)
        if conversation["contact_id"] != contact["_id"]:
            raise Invalid("The conversation belongs to another contact.")
        await _refuse_second_ticket(rt, conversation)
    defaults = {"team_id": None, "assignee_ids": [principal.id], "priority": Priority.MEDIUM}
    fields = TicketFields.model_validate(body.model_dump(exclude_unset=True, exclude=_WHERE))
    return await _open(rt, fields, contact, conversation, defaults, principal)


_WHERE = {"contact_id", "conversation_id"}


async def create_for_conversation(
    rt: Runtime,
    conversation: dict[str, Any],
    actor: Actor,
    body: TicketPromote | None = None,
) -> dict[str, Any] | None:
    """The system or a rule opens a ticket for a conversation; None if it has one already."""
    contact = await contacts.get(rt, conversation["contact_id"])
    if body is None:
        body = TicketPromote(title=(conversation.get("subject") or contact["name"])[:200])
    defaults = {
        "team_id": conversation.get("team_id"),
        "assignee_ids": [],
        "priority": conversation.get("priority") or Priority.MEDIUM,
    }
    try:
        return await _open(rt, body, contact, conversation, defaults, actor)
    except Conflict:
        return None  # an agent or a follow-up got there first


async def check_new(rt: Runtime, body: TicketFields, who: Principal | Actor) -> None:
    """Refuse (422) the fields of a ticket about to be opened, before anything is stored."""
    await _resolve(rt, body, {"_id": None, "custom": {}}, who, creating=True)


async def _refuse_second_ticket(
    rt: Runtime, conversation: dict[str, Any], ticket_id: ObjectId | None = None
) -> None:
    """409 if the conversation is (or is being made) a ticket."""
    existing_id = ticket_id or conversation.get("ticket_id")
    if existing_id is None:
        return
    existing = await rt.store["tickets"].find_one({"_id": existing_id})
    number = ticket_number(existing["seq"]) if existing else "being opened right now"
    raise Conflict(
        f"This conversation is already ticket {number}.",
        {
            "ticket_id": str(existing_id),
            "ticket": TicketOut.of(existing).model_dump(mode="json") if existing else None,
        },
        code="already_a_ticket",
    )


async def _open(
    rt: Runtime,
    body: TicketFields,
    contact: dict[str, Any],
    conversation: dict[str, Any] | None,
    defaults: dict[str, Any],
    who: Principal | Actor,
) -> dict[str, Any]:
    """Check every field, claim the conversation, then number and store the ticket."""
    actor = _actor(who)
    ticket = _draft(contact, conversation, defaults)
    ticket.update(await _resolve(rt, body, ticket, who, creating=True))
    ticket.update(status=str(ticket["status"]), priority=str(ticket["priority"]))
    if conversation is not None and not await conversations.claim_for_ticket(
        rt, conversation, ticket["_id"]
    ):
        latest = await conversations.get(rt, conversation["_id"])
        await _refuse_second_ticket(rt, latest, latest.get("ticket_id") or ticket["_id"])
    ticket["attachments"] = await _attach(rt, body, ticket, who)
    ticket["seq"] = await counters.next_value(rt, "ticket")
    ticket["owner_id"] = ticket.get("owner_id") or next(iter(ticket["assignee_ids"]), None)
    ticket["rank"] = rank(ticket.get("due_at"), ticket["priority"])
    texts = await messages.texts(rt, conversation["_id"]) if conversation else []
    ticket["search_terms"] = search.terms(
        ticket_number(ticket["seq"]),
        ticket["title"],
        ticket.get("summary"),
        contact["name"],
        ticket.get("deal_ref"),
        *ticket["tags"],
        *texts,
    )
    await rt.store["tickets"].insert_one(ticket)
    number = ticket_number(ticket["seq"])
    await ticket_history.record(rt, ticket["_id"], actor, {"created": (None, number)})
    if conversation is not None:
        activity = {"field": "ticket", "from": None, "to": number}
        await messages.insert_activity(rt, conversation, activity, actor)
    await emit_ticket(rt, EventType.TICKET_CREATED, ticket, actor)
    return ticket


def _draft(
    contact: dict[str, Any], conversation: dict[str, Any] | None, defaults: dict[str, Any]
) -> dict[str, Any]:
    """A new ticket's stored form before the agent's fields are applied."""
    now = clock.now()
    linked = [conversation] if conversation else []
    return {
        "_id": new_id(),
        "status": str(Status.NEW),
        "contact_id": contact["_id"],
        "contact": holders.summary(contact),
        "conversation_ids": [c["_id"] for c in linked],
        "thread_keys": [conversations.open_key(c["channel_id"], c["thread_id"]) for c in linked],
        "channel_id": conversation["channel_id"] if conversation else None,
        "channel": (
            {"id": str(conversation["channel_id"]), **conversation["channel"]}
            if conversation
            else None
        ),
        "links": [],
        "merged_into": None,
        "merged_ids": [],
        "created_at": now,
        "updated_at": now,
        "status_changed_at": now,
        "resolved_at": None,
        "closed_at": None,
        "revision": 0,
        "owner_id": None,
        **defaults,
        "tags": [],
        "custom": {},
        "attachments": [],
        "category_ids": [],
        "category_path": [],
    }


def _uploader(who: Principal | Actor) -> ObjectId | None:
    return who.id if isinstance(who, Principal) else None


def _actor(who: Principal | Actor) -> Actor:
    return who if isinstance(who, Actor) else who.actor


# ---- reading ---------------------------------------------------------------------------------


async def get(rt: Runtime, ticket_id: ObjectId) -> dict[str, Any]:
    return await rt.store.get("tickets", ticket_id, "ticket")


async def get_visible(rt: Runtime, ticket_id: str, principal: Principal) -> dict[str, Any]:
    """By id or by number (T-000123), if this agent may see it."""
    if ticket_id.upper().startswith("T-") and ticket_id[2:].isdigit():
        found = await rt.store["tickets"].find_one(
            {"seq": int(ticket_id[2:]), **ticket_filter(principal)}
        )
        if found is None:
            raise NotFound(f"No ticket {ticket_id.upper()}.")
        return found
    oid = parse_id(ticket_id, "ticket")
    return await rt.store.get("tickets", oid, "ticket", ticket_filter(principal))


# ---- changing --------------------------------------------------------------------------------


async def _resolve(
    rt: Runtime,
    fields: TicketFields,
    current: dict[str, Any],
    who: Principal | Actor,
    *,
    creating: bool,
) -> dict[str, Any]:
    """The stored values for the fields given, checked (unknown ids, transitions, types)."""
    given = fields.model_fields_set
    sets: dict[str, Any] = {}
    for name in ("title", "summary", "deal_ref", "due_at"):
        if name in given:
            if name == "title" and fields.title is None:
                raise Invalid("A ticket needs a title.")
            sets[name] = getattr(fields, name)
    if "priority" in given:
        if fields.priority is None:
            raise Invalid("priority cannot be null.")
        sets["priority"] = str(fields.priority)
    if "status" in given:
        sets["status"] = _check_transition(current.get("status"), fields.status, creating)
    if "team_id" in given:
        sets["team_id"] = (
            None
            if fields.team_id is None
            else (await teams.get(rt, parse_id(fields.team_id, "team")))["_id"]
        )
    if "assignee_ids" in given or "owner_id" in given:
        sets.update(await _people(rt, fields, current))
    if "category_id" in given:
        ids, names = (
            ([], [])
            if fields.category_id is None
            else await categories.path(rt, parse_id(fields.category_id, "category"))
        )
        sets.update(category_id=ids[-1] if ids else None, category_ids=ids, category_path=names)
    if "tags" in given:
        sets["tags"] = list(dict.fromkeys(t.strip() for t in fields.tags or [] if t.strip()))
    if "custom" in given:
        cleaned = await ticket_fields.clean(rt, fields.custom or {}, creating=creating)
        sets["custom"] = {**current.get("custom", {}), **cleaned}
    elif creating:
        await ticket_fields.clean(rt, {}, creating=True)
    if fields.attachment_ids:  # checked now, bound once the ticket is saved
        await files.attachable(
            rt, [parse_id(f, "file") for f in fields.attachment_ids], _uploader(who), current["_id"]
        )
    return sets


async def _attach(
    rt: Runtime, fields: TicketFields, ticket: dict[str, Any], who: Principal | Actor
) -> list[dict[str, Any]]:
    """The ticket's attachments with the uploads named in `fields` added."""
    if not fields.attachment_ids:
        return ticket.get("attachments", [])
    stored = await files.attach(
        rt,
        [parse_id(f, "file") for f in fields.attachment_ids],
        _uploader(who),
        ticket_id=ticket["_id"],
    )
    return [*ticket.get("attachments", []), *(files.attachment_of(doc) for doc in stored)]


def _status_words(status: str) -> str:
    """A status as people say it ("on hold"); the API keeps its name (`on_hold`)."""
    return str(status).replace("_", " ")


def _check_transition(before: str | None, after: TicketStatus | None, creating: bool) -> str:
    if after is None:
        raise Invalid("status cannot be null.")
    if creating or before == after:
        return str(after)
    if after not in TRANSITIONS[Status(before)]:
        if before == Status.CLOSED:
            raise Conflict(
                "The ticket is closed; only the customer writing again reopens it.",
                code="ticket_closed",
            )
        allowed = sorted(str(s) for s in TRANSITIONS[Status(before)])
        words = ", ".join(_status_words(s) for s in allowed)
        raise Invalid(
            f"A {_status_words(before)} ticket cannot become {_status_words(after)}; "
            f"it can become {words}.",
            {"from": before, "to": str(after), "allowed": allowed},
            code="invalid_transition",
        )
    return str(after)


async def _people(rt: Runtime, fields: TicketFields, current: dict[str, Any]) -> dict[str, Any]:
    """Assignees and the owner: the owner is always one of the assignees."""
    given = fields.model_fields_set
    assignees = list(current.get("assignee_ids", []))
    if "assignee_ids" in given:
        assignees = [await _active_agent(rt, a) for a in dict.fromkeys(fields.assignee_ids or [])]
    owner = current.get("owner_id")
    if "owner_id" in given:
        owner = None if fields.owner_id is None else await _active_agent(rt, fields.owner_id)
    if owner is not None and owner not in assignees:
        assignees.append(owner)
    if owner is None or owner not in assignees:
        owner = assignees[0] if assignees else None
    return {"assignee_ids": assignees, "owner_id": owner}


async def _active_agent(rt: Runtime, agent_id: str) -> ObjectId:
    agent = await agents.get(rt, parse_id(agent_id, "agent"))
    if not agent.get("active", True):
        raise Invalid(f"{agent['name']} is deactivated and cannot be assigned.")
    return agent["_id"]


async def update(
    rt: Runtime, ticket: dict[str, Any], fields: TicketFields, who: Principal | Actor
) -> dict[str, Any]:
    """Change any fields; records each change in the history and emits one event."""
    if ticket.get("merged_into"):
        raise Conflict(
            "This ticket was merged into another and is read only.", code="ticket_merged"
        )
    sets = await _resolve(rt, fields, ticket, who, creating=False)
    if fields.attachment_ids:
        sets["attachments"] = await _attach(rt, fields, ticket, who)
    updated = await apply_changes(rt, ticket, sets, _actor(who))
    if updated["status"] in DONE and ticket["status"] not in DONE:
        await _resolve_conversations(rt, updated, _actor(who))
    return updated


async def _resolve_conversations(rt: Runtime, ticket: dict[str, Any], actor: Actor) -> None:
    """A resolved ticket takes its conversations out of the shared inbox."""
    cursor = rt.store["conversations"].find(
        {"_id": {"$in": ticket["conversation_ids"]}, "status": {"$ne": "resolved"}}
    )
    patch = ConversationPatch(status=ConversationStatus.RESOLVED)
    async for conversation in cursor:
        await conversations.update(rt, conversation, patch, actor)


async def bulk_update(
    rt: Runtime, ids: list[str], changes: TicketBulkChanges, principal: Principal
) -> tuple[list[dict[str, Any]], list[BulkFailure]]:
    """The same change on each ticket; one ticket's refusal does not stop the others."""
    fields = TicketFields.model_validate(changes.model_dump(exclude_unset=True))
    updated, failed = [], []
    for ticket_id in dict.fromkeys(ids):
        try:
            ticket = await get_visible(rt, ticket_id, principal)
            updated.append(await update(rt, ticket, fields, principal))
        except AppError as error:
            failed.append(BulkFailure(id=ticket_id, code=error.code, message=error.message))
    return updated, failed


async def apply_changes(
    rt: Runtime,
    ticket: dict[str, Any],
    sets: dict[str, Any],
    actor: Actor,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    changes = {
        k: (ticket.get(k), v)
        for k, v in sets.items()
        if ticket.get(k) != v and k not in ("category_ids",)
    }
    if not changes:
        return ticket
    now = clock.now()
    if "status" in changes:
        status = sets["status"]
        sets["status_changed_at"] = now
        sets["resolved_at"] = now if status == Status.RESOLVED else ticket.get("resolved_at")
        sets["closed_at"] = now if status == Status.CLOSED else None
        if status in (Status.OPEN, Status.NEW, Status.PENDING, Status.ON_HOLD):
            sets["resolved_at"] = None
    due, priority = (
        sets.get("due_at", ticket.get("due_at")),
        sets.get("priority", ticket["priority"]),
    )
    sla_due = (ticket.get("sla") or {}).get("next_due_at")
    sets.update(updated_at=now, rank=rank(due, priority, sla_due))
    update: dict[str, Any] = {"$set": sets, "$inc": {"revision": 1}, **(extra or {})}
    new_terms = search.terms(
        sets.get("title"), sets.get("summary"), sets.get("deal_ref"), *sets.get("tags", [])
    )
    if new_terms:
        update.setdefault("$addToSet", {})["search_terms"] = {"$each": new_terms}
    updated = await rt.store["tickets"].find_one_and_update(
        {"_id": ticket["_id"]}, update, return_document=ReturnDocument.AFTER
    )
    await ticket_history.record(rt, ticket["_id"], actor, changes)
    await emit_ticket(
        rt, EventType.TICKET_UPDATED, updated, actor, ticket_history.describe(changes)
    )
    if "assignee_ids" in changes:
        added = [a for a in updated["assignee_ids"] if a not in ticket.get("assignee_ids", [])]
        await _notify_assigned(rt, updated, added, actor)
    return updated


async def _notify_assigned(
    rt: Runtime, ticket: dict[str, Any], agent_ids: list[ObjectId], actor: Actor
) -> None:
    text = f"{ticket_number(ticket['seq'])} {ticket['title']}"
    await notifications.notify(rt, agent_ids, "assigned", text, actor, ticket_id=ticket["_id"])


# ---- conversations and merged tickets ----------------------------------------------------


async def survivor(rt: Runtime, ticket: dict[str, Any] | None) -> dict[str, Any] | None:
    """The ticket that now holds this one's work: itself, or the one it was merged into."""
    while ticket is not None and ticket.get("merged_into"):
        ticket = await rt.store["tickets"].find_one({"_id": ticket["merged_into"]})
    return ticket


async def add_conversation(
    rt: Runtime, ticket: dict[str, Any], conversation: dict[str, Any]
) -> dict[str, Any] | None:
    """The customer's new conversation in the ticket's thread joins the ticket."""
    if not await conversations.claim_for_ticket(rt, conversation, ticket["_id"]):
        return None
    updated = await rt.store["tickets"].find_one_and_update(
        {"_id": ticket["_id"]},
        {"$addToSet": {"conversation_ids": conversation["_id"]}, "$inc": {"revision": 1}},
        return_document=ReturnDocument.AFTER,
    )
    activity = {"field": "ticket", "from": None, "to": ticket_number(ticket["seq"])}
    await messages.insert_activity(rt, conversation, activity, SYSTEM)
    return updated


async def latest_conversation(rt: Runtime, ticket: dict[str, Any]) -> dict[str, Any] | None:
    """Where a reply to the ticket's customer goes: its most recent conversation."""
    if not ticket.get("conversation_ids"):
        return None
    found = await (
        rt.store["conversations"].find({"_id": {"$in": ticket["conversation_ids"]}}).to_list(None)
    )
    return max(found, key=lambda c: c["last_message_at"], default=None)
