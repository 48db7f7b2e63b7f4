"""Logging: plain text, or one JSON object a line (`INBOX_LOG_FORMAT=json`), and the request
id that follows a webhook or API call into the events it causes and the tasks that run them.

The id comes from the request's `X-Request-Id` (or is made up), is answered in the same
header, is stored on each event emitted while handling it, and travels with every task sent
meanwhile (a Celery message header), so grepping one id shows the whole story.
"""

from __future__ import annotations

import json
import logging
import secrets
from contextvars import ContextVar
from datetime import UTC, datetime

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
HEADER = "X-Request-Id"


def new_request_id(given: str | None = None) -> str:
    """The caller's id when it is a sane token, else a new one."""
    if given and len(given) <= 100 and all(c.isalnum() or c in "-_.:" for c in given):
        return given
    return secrets.token_hex(8)


class _RequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


def configure(level: str, fmt: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(_RequestId())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
