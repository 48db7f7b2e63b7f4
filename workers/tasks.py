"""The Celery tasks. Each takes ids, re-reads state and can run twice without harm."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery.signals import task_prerun

from automations.bot import engine as bot
from automations.bot import external as external_bot
from automations.routing import assignment
from automations.rules import engine, time_triggers, webhooks
from automations.sla import tracker as sla
from inbox import events, logs
from inbox.portal import notices as portal_notices
from inbox.portal import tell as portal_tell
from inbox.queue import (
    AUTOMATION_TICK,
    CALL_EXTERNAL_BOT,
    CALL_WEBHOOK,
    COPY_ATTACHMENTS,
    DELIVER_MESSAGE,
    POLL_MAILBOXES,
    PROCESS_EVENT,
    REFRESH_CREDENTIALS,
    SEND_NOTICE,
    SLA_REAPPLY,
    SLA_TICK,
    SWEEP,
)
from inbox.reports import rollups as report_rollups
from inbox.runtime import Runtime
from inbox.services import (
    attachment_copies,
    channels,
    conversations,
    delivery,
    polling,
    profiles,
    retention,
)
from inbox.services.tickets import auto_tickets, customer_updates, satisfaction
from inbox.services.tickets import followup as ticket_followup
from workers.celery_app import celery_app
from workers.loop import run

log = logging.getLogger(__name__)


@task_prerun.connect
def _carry_request_id(task: Any = None, **_: Any) -> None:
    """The request that sent this task names it in the logs (see `inbox.logs`)."""
    logs.REQUEST_ID.set(task.request.get("request_id") if task is not None else None)


EVENT_HANDLERS: list[events.Handler] = [
    profiles.on_event,
    auto_tickets.on_event,
    ticket_followup.on_event,
    customer_updates.on_event,
    satisfaction.on_event,
    portal_tell.on_event,
    sla.on_event,
    bot.on_event,
    engine.on_event,
    report_rollups.on_event,
]
"""What runs for each event, in order (SLA clocks before the rules, which may read them; the
report rollups last, so they read the record as the other handlers left it)."""

RETRY_OPTIONS = {
    "autoretry_for": (Exception,),
    "retry_backoff": 2,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}


@celery_app.task(name=PROCESS_EVENT, **RETRY_OPTIONS)
def process_event(event_id: str) -> bool:
    return run(lambda rt: events.process(rt, event_id, EVENT_HANDLERS))


@celery_app.task(name=DELIVER_MESSAGE, **RETRY_OPTIONS)
def deliver_message(message_id: str) -> str:
    """One delivery attempt; the service schedules the next one itself when it must retry."""
    return run(lambda rt: delivery.deliver(rt, message_id)).outcome


@celery_app.task(name=COPY_ATTACHMENTS, **RETRY_OPTIONS)
def copy_attachments(message_id: str) -> dict[str, int]:
    """Keep copies of a message's attachments whose platform links expire; the service
    schedules the next try itself when a download failed for now."""
    return run(lambda rt: attachment_copies.copy(rt, message_id))


@celery_app.task(name=SEND_NOTICE, **RETRY_OPTIONS)
def send_notice(notice_id: str) -> str:
    """One attempt at a portal email; the service schedules the next one when it must retry."""
    return run(lambda rt: portal_notices.send(rt, notice_id))


async def _sweep(rt: Runtime) -> dict[str, int]:
    return {
        "events": await events.sweep(rt),
        "deliveries": await delivery.sweep(rt),
        "attachment_copies": await attachment_copies.sweep(rt),
        "snoozed": await conversations.wake_snoozed(rt),
        "pruned_events": await events.prune(rt),
        "expired_files": await retention.expire_files(rt),
        "surveys": await satisfaction.send_due(rt),
        "portal_notices": await portal_notices.sweep(rt),
    }


async def _refresh(rt: Runtime) -> int:
    return await channels.refresh_expiring(rt)


async def _poll(rt: Runtime) -> dict[str, int]:
    return await polling.poll_all(rt)


async def _automation_tick(rt: Runtime) -> dict[str, int]:
    minutes = rt.settings.reassign_offline_minutes
    handed_over = (
        await assignment.hand_over_from_offline(rt, timedelta(minutes=minutes)) if minutes else 0
    )
    return {"time_rules": await time_triggers.tick(rt), "reassigned": handed_over}


@celery_app.task(name=SLA_TICK)
def sla_tick() -> int:
    """Every minute: emit the SLA warnings and breaches now due, each once."""
    return run(sla.tick)


@celery_app.task(name=CALL_EXTERNAL_BOT)
def call_external_bot(message_id: str) -> str:
    """A customer's message to the channel's external bot; no retries: a bot that does not
    answer hands the conversation to the agents."""
    return run(lambda rt: external_bot.forward(rt, message_id))


@celery_app.task(name=SLA_REAPPLY, **RETRY_OPTIONS)
def sla_reapply() -> int:
    """After an SLA policy or calendar changed: re-plan the open tickets' clocks."""
    return run(sla.reapply)


@celery_app.task(name=AUTOMATION_TICK)
def automation_tick() -> dict[str, int]:
    """Every minute: fire time rules that are due, reassign work of agents gone offline."""
    return run(_automation_tick)


@celery_app.task(
    name=CALL_WEBHOOK,
    autoretry_for=(webhooks.WebhookFailed,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def call_webhook(run_id: str, url: str) -> int:
    """A rule's webhook call; each attempt is recorded in the rule's run."""
    return run(lambda rt: webhooks.call(rt, run_id, url))


@celery_app.task(name=POLL_MAILBOXES)
def poll_mailboxes() -> dict[str, int]:
    """Every minute: read new mail from the mailboxes of email channels."""
    return run(_poll)


@celery_app.task(name=REFRESH_CREDENTIALS)
def refresh_credentials() -> int:
    """Every 10 minutes: renew channel credentials that expire within the hour."""
    return run(_refresh)


@celery_app.task(name=SWEEP)
def sweep() -> dict[str, int]:
    """Every 30 s: re-enqueue lost work, wake snoozed conversations, prune old events."""
    counts = run(_sweep)
    if any(counts.values()):
        log.info("sweep: %s", counts)
    return counts
