"""The Celery app, configured from settings: JSON only, late acks, retries with backoff."""

from __future__ import annotations

from celery import Celery

from inbox.queue import AUTOMATION_TICK, POLL_MAILBOXES, REFRESH_CREDENTIALS, SLA_TICK, SWEEP
from inbox.settings import Settings

celery_app = Celery("inbox", set_as_current=False)

BEAT_SCHEDULE = {
    "sweep": {"task": SWEEP, "schedule": 30.0},
    "refresh-credentials": {"task": REFRESH_CREDENTIALS, "schedule": 600.0},
    "poll-mailboxes": {"task": POLL_MAILBOXES, "schedule": 60.0},
    "automation-tick": {"task": AUTOMATION_TICK, "schedule": 60.0},
    "sla-tick": {"task": SLA_TICK, "schedule": 60.0},
}


def configure(settings: Settings) -> Celery:
    """Point the app at the broker in settings and register the tasks."""
    celery_app.conf.update(
        broker_url=settings.redis_url,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": 7200},
        timezone="UTC",
        enable_utc=True,
        beat_schedule=BEAT_SCHEDULE,
        worker_hijack_root_logger=False,
    )
    import workers.heartbeat
    import workers.tasks  # noqa: F401  (registers the tasks on celery_app)

    return celery_app
