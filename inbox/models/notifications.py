"""An agent's notifications (mentions, assignments)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from inbox.clock import iso
from inbox.ids import str_id
from inbox.models.common import Body


class NotificationQuery(Body):
    unread: bool = False


class NotificationOut(BaseModel):
    id: str
    kind: str
    text: str
    conversation_id: str | None
    ticket_id: str | None
    message_id: str | None
    actor: dict[str, Any]
    created_at: str
    read_at: str | None

    @classmethod
    def of(cls, doc: dict[str, Any]) -> NotificationOut:
        return cls(
            id=str(doc["_id"]),
            kind=doc["kind"],
            text=doc["text"],
            conversation_id=str_id(doc.get("conversation_id")),
            ticket_id=str_id(doc.get("ticket_id")),
            message_id=str_id(doc.get("message_id")),
            actor=doc["actor"],
            created_at=iso(doc["created_at"]),
            read_at=iso(doc.get("read_at")),
        )
