"""Message templates in rules and shortcuts: `Chào {{contact.name}}, phiếu {{ticket.number}}…`.

Only the placeholders below exist; a template naming another is refused when the rule is saved.
A placeholder with no value for an event (no ticket yet) renders as an empty string.
"""

from __future__ import annotations

import re
from typing import Any

from automations.rules.fields import Context
from inbox import clock
from inbox.models.tickets import ticket_number
from inbox.portal import sign_in
from inbox.runtime import Runtime

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+(?:\.[a-z_]+)*)\s*\}\}")
PLACEHOLDERS = (
    "contact.name",
    "conversation.reference",
    "channel.name",
    "ticket.number",
    "ticket.title",
    "ticket.status",
    "ticket.due_at",
    "agent.name",
    "team.name",
    "inputs.summary",
    "inputs.level",
    "inputs.team",
    "sla.target",
    "sla.due_at",
    "csat.rating",
    "csat.comment",
    "portal.link",
)
MAX_TEMPLATE = 4000


def check(template: Any, path: str) -> list[dict[str, str]]:
    """What is wrong with a template, if anything."""
    if not isinstance(template, str) or not template.strip() or len(template) > MAX_TEMPLATE:
        return [{"field": path, "message": f"text of 1 to {MAX_TEMPLATE} characters"}]
    unknown = sorted({name for name in PLACEHOLDER.findall(template)} - set(PLACEHOLDERS))
    if unknown:
        known = ", ".join("{{" + p + "}}" for p in PLACEHOLDERS)
        return [{"field": path, "message": f"unknown placeholders {unknown}; use {known}"}]
    return []


async def values(rt: Runtime, context: Context) -> dict[str, str]:
    """The placeholder values for an event."""
    found = {name: "" for name in PLACEHOLDERS}
    holder = context.ticket or context.conversation or {}
    if context.contact:
        found["contact.name"] = context.contact["name"]
    if context.conversation and context.conversation.get("number"):
        found["conversation.reference"] = f"C-{context.conversation['number']:06d}"
    if context.channel:
        found["channel.name"] = context.channel["name"]
    if context.ticket:
        ticket = context.ticket
        found.update(
            {
                "ticket.number": ticket_number(ticket["seq"]),
                "ticket.title": ticket["title"],
                "ticket.status": ticket["status"],
                "ticket.due_at": clock.iso(ticket.get("due_at")) or "",
            }
        )
    agent_id = holder.get("owner_id") or holder.get("assignee_id")
    found["agent.name"] = await rt.store.name_of("agents", agent_id)
    found["team.name"] = await rt.store.name_of("teams", holder.get("team_id"))
    for key in ("summary", "level", "team"):
        if key in context.inputs:
            found[f"inputs.{key}"] = str(context.inputs[key])
    data = context.event.get("data") or {}
    found["sla.target"] = str(data.get("sla_target") or "").replace("_", " ")
    found["sla.due_at"] = str(data.get("sla_due_at") or "")
    for key in ("csat.rating", "csat.comment"):
        found[key] = str(context.values.get(key) or "")
    return found


def render(template: str, found: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda match: found.get(match.group(1), ""), template)


async def fill(
    rt: Runtime, template: str, context: Context, known: dict[str, str] | None = None
) -> str:
    """The template with this event's values (and the `known` ones); a `{{portal.link}}` is
    a fresh one-time link that signs the customer in to the portal (at their ticket, if
    there is one)."""
    found = {**await values(rt, context), **(known or {})}
    if "portal.link" in PLACEHOLDER.findall(template) and context.contact:
        found["portal.link"] = await _portal_link(rt, context)
    return render(template, found)


async def _portal_link(rt: Runtime, context: Context) -> str:
    target = "/portal"
    if context.ticket:
        target = f"/portal/tickets/{ticket_number(context.ticket['seq'])}"
    return await sign_in.link_for(rt, context.contact["_id"], target)
