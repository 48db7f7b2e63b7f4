"""Tickets: statuses, fields, queries, bulk changes, merges, links, categories, custom
fields, saved views, customer-update settings, history."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from inbox.clock import iso
from inbox.ids import str_id
from inbox.models.common import Body, Partial, Priority
from inbox.models.conversations import (
    AttachmentOut,
    ChannelSummary,
    ContactSummary,
    CsatOut,
    MessageCreate,
)
from inbox.models.sla import SlaOut


class TicketStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN_TICKET_STATUSES = ("new", "open", "pending", "on_hold")


PRIORITY_RANK = {"urgent": 0, "high": 1, "medium": 2, "low": 3}


class TicketFields(Partial, Body):
    """What an agent may set on a ticket (every field optional here; creation requires some)."""

    nullable: ClassVar[frozenset[str]] = frozenset(
        {"summary", "team_id", "owner_id", "category_id", "deal_ref", "due_at", "custom"}
    )

    title: str | None = Field(default=None, min_length=1, max_length=200)
    summary: str | None = Field(default=None, max_length=10_000)
    priority: Priority | None = None
    status: TicketStatus | None = None
    team_id: str | None = None
    assignee_ids: list[str] | None = Field(default=None, max_length=20)
    owner_id: str | None = None
    category_id: str | None = None
    tags: list[str] | None = Field(default=None, max_length=50)
    deal_ref: str | None = Field(default=None, max_length=100)
    due_at: AwareDatetime | None = None
    attachment_ids: list[str] | None = Field(default=None, max_length=20)
    custom: dict[str, Any] | None = None


class TicketPromote(TicketFields):
    """Promote a conversation: the title is required, the rest defaults from the conversation."""

    title: str = Field(min_length=1, max_length=200)


class TicketCreate(TicketFields):
    """A ticket an agent opens for a contact (a call, a visit), maybe on a conversation."""

    title: str = Field(min_length=1, max_length=200)
    contact_id: str
    conversation_id: str | None = None


class TicketMessageCreate(MessageCreate):
    channel_id: str | None = Field(
        default=None,
        description="a reply on a ticket without a conversation starts one on this channel "
        "(see GET /tickets/{id}/reach)",
    )

    @model_validator(mode="after")
    def _reply_only(self) -> TicketMessageCreate:
        if self.channel_id is not None and self.private:
            raise ValueError("channel_id starts a conversation: it is for replies, not notes")
        return self


class ReachOption(BaseModel):
    """One of the contact's channels, and whether the agent may write to them there first."""

    channel_id: str
    channel_name: str
    kind: str
    recipient: str | None = Field(description="the address or platform id written to")
    possible: bool
    note: str | None = Field(default=None, description="why not, or what applies")


class TicketQuery(Body):
    view: str | None = Field(default=None, description="mine (default), team, all")
    status: str | None = Field(
        default=None, description="statuses, comma-separated; `open` = not resolved or closed"
    )
    priority: str | None = None
    assignee: str | None = Field(default=None, description="an agent id, `me` or `none`")
    team: str | None = Field(default=None, description="a team id or `none`")
    category: str | None = None
    tag: str | None = None
    channel: str | None = None
    contact: str | None = None
    created_from: AwareDatetime | None = None
    created_to: AwareDatetime | None = None
    q: str | None = Field(
        default=None, max_length=200, description="words in title, summary, messages"
    )
    cursor: str | None = None
    limit: int | None = None


class TicketBulkChanges(Partial, Body):
    nullable: ClassVar[frozenset[str]] = frozenset({"team_id"})

    status: TicketStatus | None = None
    priority: Priority | None = None
    assignee_ids: list[str] | None = Field(default=None, max_length=20)
    team_id: str | None = None


class TicketBulk(Body):
    ids: list[str] = Field(min_length=1, max_length=200)
    changes: TicketBulkChanges


class TicketMerge(Body):
    into: str = Field(description="the ticket that survives")


class TicketLink(Body):
    ticket_id: str


class CategoryCreate(Body):
    name: str = Field(min_length=1, max_length=80)
    parent_id: str | None = None


class TicketFieldCreate(Body):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    label: str = Field(min_length=1, max_length=80)
    type: str = Field(pattern=r"^(text|number|date|select)$")
    options: list[str] = Field(default_factory=list, max_length=100)
    required: bool = False


class ViewCreate(Body):
    name: str = Field(min_length=1, max_length=80)
    query: dict[str, str] = Field(description="the ticket list filters to remember")


class CustomerUpdateSettings(Body):
    enabled: bool
    templates: dict[str, str] = Field(description="per language (en, vi): the message text")


class TicketOut(BaseModel):
    id: str
    number: str = Field(description="T-000123")
    title: str
    summary: str | None
    status: TicketStatus
    priority: Priority
    contact: ContactSummary
    conversation_ids: list[str]
    channel: ChannelSummary | None
    team_id: str | None
    assignee_ids: list[str]
    owner_id: str | None
    category_id: str | None
    category_path: list[str]
    tags: list[str]
    deal_ref: str | None
    due_at: str | None
    attachments: list[AttachmentOut]
    custom: dict[str, Any]
    links: list[str]
    merged_into: str | None
    escalation_level: int = Field(default=0, description="support level, L0 to L3")
    sla: SlaOut | None = None
    csat: CsatOut | None = Field(default=None, description="the customer's latest rating")
    created_at: str
    updated_at: str
    resolved_at: str | None
    closed_at: str | None
    revision: int

    @classmethod
    def of(cls, doc: dict[str, Any]) -> TicketOut:
        channel = doc.get("channel")
        return cls(
            id=str(doc["_id"]),
            number=ticket_number(doc["seq"]),
            title=doc["title"],
            summary=doc.get("summary"),
            status=doc["status"],
            priority=doc["priority"],
            contact=ContactSummary(**doc["contact"], id=str(doc["contact_id"])),
            conversation_ids=[str(c) for c in doc.get("conversation_ids", [])],
            channel=ChannelSummary(**channel) if channel else None,
            team_id=str_id(doc.get("team_id")),
            assignee_ids=[str(a) for a in doc.get("assignee_ids", [])],
            owner_id=str_id(doc.get("owner_id")),
            category_id=str_id(doc.get("category_id")),
            category_path=doc.get("category_path", []),
            tags=doc.get("tags", []),
            deal_ref=doc.get("deal_ref"),
            due_at=iso(doc.get("due_at")),
            attachments=[
                AttachmentOut(**{k: v for k, v in a.items() if k in AttachmentOut.model_fields})
                for a in doc.get("attachments", [])
            ],
            custom=doc.get("custom", {}),
            links=[str(t) for t in doc.get("links", [])],
            merged_into=str_id(doc.get("merged_into")),
            escalation_level=doc.get("escalation_level", 0),
            sla=SlaOut.of(doc["sla"]) if doc.get("sla") else None,
            csat=CsatOut.of(doc["csat"]) if doc.get("csat") else None,
            created_at=iso(doc["created_at"]),
            updated_at=iso(doc["updated_at"]),
            resolved_at=iso(doc.get("resolved_at")),
            closed_at=iso(doc.get("closed_at")),
            revision=doc.get("revision", 0),
        )


def ticket_number(seq: int) -> str:
    return f"T-{seq:06d}"


class BulkFailure(BaseModel):
    id: str
    code: str
    message: str


class TicketBulkOut(BaseModel):
    updated: list[TicketOut]
    failed: list[BulkFailure]


class HistoryOut(BaseModel):
    at: str
    actor: dict[str, Any]
    field: str
    before: Any
    after: Any

    @classmethod
    def of(cls, doc: dict[str, Any]) -> HistoryOut:
        return cls(
            at=iso(doc["at"]),
            actor=doc["actor"],
            field=doc["field"],
            before=doc["from"],
            after=doc["to"],
        )


class CategoryOut(BaseModel):
    id: str
    name: str
    parent_id: str | None
    level: int

    @classmethod
    def of(cls, doc: dict[str, Any]) -> CategoryOut:
        return cls(
            id=str(doc["_id"]),
            name=doc["name"],
            parent_id=str_id(doc.get("parent_id")),
            level=doc["level"],
        )


class TicketFieldOut(BaseModel):
    key: str
    label: str
    type: str
    options: list[str]
    required: bool

    @classmethod
    def of(cls, doc: dict[str, Any]) -> TicketFieldOut:
        return cls(**{k: doc[k] for k in cls.model_fields})


class ViewOut(BaseModel):
    id: str
    name: str
    query: dict[str, str]

    @classmethod
    def of(cls, doc: dict[str, Any]) -> ViewOut:
        return cls(id=str(doc["_id"]), name=doc["name"], query=doc["query"])


class NotifyQuery(Body):
    notify: bool = Field(
        default=True,
        description="false: the customer is not told of this change on their channel "
        "(no customer update, nor for what rules do because of it)",
    )


class EscalationPreviewQuery(Body):
    escalate_to: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{24}$", description="a team: preview the escalation"
    )


class UpdatePreviewQuery(EscalationPreviewQuery):
    status: Literal["new", "open", "pending", "on_hold", "resolved", "closed"] | None = None
    owner_id: str | None = Field(default=None, pattern=r"^[0-9a-f]{24}$")


class ChannelNamed(BaseModel):
    kind: str
    name: str


class UpdatePreviewOut(BaseModel):
    update: str | None = Field(description="the customer update the change calls for, if any")
    sends: bool = Field(description="whether a message would go to the customer now")
    text: str | None = Field(description="the message, in the customer's language")
    channel: ChannelNamed | None
    reason_code: str | None = Field(
        description="why nothing would be sent: switched_off, no_conversation, automated, "
        "window_closed"
    )
    reason: str | None = Field(description="the same in words (the platform's, for a window)")


class CustomerUpdateOut(BaseModel):
    event: str = Field(description="created, status_changed, assigned or resolved")
    enabled: bool
    templates: dict[str, str]
    placeholders: list[str]
