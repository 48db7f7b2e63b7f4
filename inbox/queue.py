"""Sends Celery tasks by name, so the core never imports the worker package.

`workers.tasks` registers the tasks under these names; both sides share the broker URL.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from celery import Celery

from inbox import logs

log = logging.getLogger(__name__)

PROCESS_EVENT = "inbox.process_event"
DELIVER_MESSAGE = "inbox.deliver_message"
COPY_ATTACHMENTS = "inbox.copy_attachments"
SEND_NOTICE = "inbox.send_notice"
SWEEP = "inbox.sweep"
REFRESH_CREDENTIALS = "inbox.refresh_credentials"
POLL_MAILBOXES = "inbox.poll_mailboxes"
AUTOMATION_TICK = "automations.tick"
SLA_TICK = "automations.sla_tick"
SLA_REAPPLY = "automations.sla_reapply"
CALL_EXTERNAL_BOT = "automations.call_external_bot"
CALL_WEBHOOK = "automations.call_webhook"

_RETRY_POLICY = {"max_retries": 2, "interval_start": 0.1, "interval_step": 0.2, "interval_max": 0.5}


class TaskQueue:
    """A producer for the broker. `enqueue` never raises: a lost send is found by the sweep."""

    def __init__(self, broker_url: str) -> None:
        self._celery = Celery("inbox-producer", broker=broker_url, set_as_current=False)
        self._celery.conf.update(task_serializer="json", broker_connection_retry=False)

    async def enqueue(self, task: str, *args: Any, countdown: float | None = None) -> bool:
        try:
            await asyncio.to_thread(self.enqueue_now, task, *args, countdown=countdown)
        except Exception:
            log.warning("could not enqueue %s%s; the sweep will retry", task, args, exc_info=True)
            return False
        return True

    def enqueue_now(self, task: str, *args: Any, countdown: float | None = None) -> None:
        """Blocking send, for code already off the event loop."""
        self._celery.send_task(
            task,
            args=list(args),
            countdown=countdown,
            retry=True,
            retry_policy=_RETRY_POLICY,
            headers={"request_id": logs.REQUEST_ID.get()},
        )

    def close(self) -> None:
        self._celery.close()
