"""Pydantic models of the documents as the API shows them, and of the API bodies."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from inbox import clock
from inbox.clock import iso
from inbox.ids import str_id


class ConversationStatus(StrEnum):
    BOT = "bot"
    OPEN = "open"
    PENDING = "pending"
    SNOOZED = "snoozed"
    RESOLVED = "resolved"


class Priority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Role(StrEnum):
    ADMIN = "admin"
    AGENT = "agent"


class Availability(StrEnum):
    ONLINE = "online"
    BUSY = "busy"
    OFFLINE = "offline"


class AssignmentMethod(StrEnum):
    ROUND_ROBIN = "round_robin"
    LEAST_LOADED = "least_loaded"
    MANUAL = "manual"


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


class SenderType(StrEnum):
    CONTACT = "contact"
    AGENT = "agent"
    BOT = "bot"
    SYSTEM = "system"


class MessageKind(StrEnum):
    MESSAGE = "message"
    NOTE = "note"
    ACTIVITY = "activity"


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"


# ---- bodies -----------------------------------------------------------------------------


class Body(BaseModel):
    """Request bodies refuse unknown fields, so a typo is an error rather than ignored."""

    model_config = ConfigDict(extra="forbid")


class TokenRequest(Body):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=1024)
    name: str = Field(default="API token", max_length=80)


class ChannelSettings(Body):
    """How the inbox treats a channel's conversations (the same for every kind)."""

    auto_ticket: bool | None = Field(
        default=None,
        description="open a ticket for every new conversation (default: on for email only)",
    )


class ChannelCreate(Body):
    kind: str = Field(description="telegram, facebook, zalo or email")
    name: str = Field(min_length=1, max_length=80)
    config: dict[str, Any] = Field(default_factory=dict)
    settings: ChannelSettings = Field(default_factory=ChannelSettings)


class ChannelPatch(Body):
    settings: ChannelSettings


class MessageCreate(Body):
    text: str | None = Field(default=None, min_length=1, max_length=20_000)
    private: bool = Field(default=False, description="true: an internal note, never sent")
    attachment_ids: list[str] = Field(
        default_factory=list, max_length=10, description="ids from POST /api/v1/files"
    )
    mode: str | None = Field(
        default=None,
        description="page comments only: `public` (reply under the comment, the default) "
        "or `private` (a Messenger message to the commenter)",
    )
    mentions: list[str] = Field(
        default_factory=list, max_length=20, description="notes only: agent ids to notify"
    )
    seen_until: AwareDatetime | None = Field(
        default=None,
        description="replies: the time of the newest message the agent saw; a newer customer "
        "message answers 409 `customer_wrote_again` unless `confirm` is true",
    )
    confirm: bool = Field(default=False, description="send even if the customer wrote again")

    @model_validator(mode="after")
    def _not_empty(self) -> MessageCreate:
        if self.text is None and not self.attachment_ids:
            raise ValueError("a message needs text or at least one attachment")
        if self.mentions and not self.private:
            raise ValueError("mentions belong in internal notes (private: true)")
        return self


class ConversationPatch(Body):
    """Only the fields present change; `null` clears assignee, team or priority."""

    status: ConversationStatus | None = None
    assignee_id: str | None = None
    team_id: str | None = None
    priority: Priority | None = None
    snoozed_until: AwareDatetime | None = Field(
        default=None, description="with status snoozed: reopen at this time"
    )
    tags: list[str] | None = Field(default=None, max_length=50)


class ConversationQuery(Body):
    status: str | None = Field(default=None, description="one status or several, comma-separated")
    assignee: str | None = Field(default=None, description="an agent id, `me` or `none`")
    team: str | None = Field(default=None, description="a team id or `none`")
    channel: str | None = None
    contact: str | None = None
    cursor: str | None = None
    limit: int | None = None


class MessageQuery(Body):
    cursor: str | None = None
    limit: int | None = None
    order: str = Field(default="asc", pattern="^(asc|desc)$")


class AgentCreate(Body):
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    name: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=8, max_length=1024)
    role: Role = Role.AGENT
    team_ids: list[str] = Field(default_factory=list)
    level: int = Field(default=0, ge=0, le=3)
    capacity: int = Field(default=10, ge=1, le=500)
    language: str | None = Field(default=None, pattern=r"^(en|vi)$")


class AgentPatch(Body):
    name: str | None = Field(default=None, min_length=1, max_length=80)
    password: str | None = Field(default=None, min_length=8, max_length=1024)
    role: Role | None = None
    team_ids: list[str] | None = None
    level: int | None = Field(default=None, ge=0, le=3)
    capacity: int | None = Field(default=None, ge=1, le=500)
    availability: Availability | None = None
    language: str | None = Field(default=None, pattern=r"^(en|vi)$")
    active: bool | None = None


class TeamCreate(Body):
    name: str = Field(min_length=1, max_length=80)
    assignment: AssignmentMethod = AssignmentMethod.MANUAL
    level: int = Field(default=0, ge=0, le=3)
    lead_id: str | None = Field(default=None, description="the agent told of SLA breaches")


class TeamPatch(Body):
    name: str | None = Field(default=None, min_length=1, max_length=80)
    assignment: AssignmentMethod | None = None
    level: int | None = Field(default=None, ge=0, le=3)
    lead_id: str | None = None


# ---- answers ----------------------------------------------------------------------------

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class TokenOut(BaseModel):
    token: str
    expires_at: str


class AgentOut(BaseModel):
    id: str
    email: str
    name: str
    role: Role
    team_ids: list[str]
    level: int
    capacity: int
    availability: Availability
    language: str | None
    active: bool

    @classmethod
    def of(cls, doc: dict[str, Any]) -> AgentOut:
        return cls(
            id=str(doc["_id"]),
            email=doc["email"],
            name=doc["name"],
            role=doc["role"],
            team_ids=[str(t) for t in doc.get("team_ids", [])],
            level=doc.get("level", 0),
            capacity=doc.get("capacity", 10),
            availability=doc.get("availability", Availability.OFFLINE),
            language=doc.get("language"),
            active=doc.get("active", True),
        )


class TeamOut(BaseModel):
    id: str
    name: str
    assignment: AssignmentMethod
    level: int
    lead_id: str | None = None

    @classmethod
    def of(cls, doc: dict[str, Any]) -> TeamOut:
        return cls(
            id=str(doc["_id"]),
            name=doc["name"],
            assignment=doc["assignment"],
            level=doc["level"],
            lead_id=str_id(doc.get("lead_id")),
        )


class ChannelOut(BaseModel):
    id: str
    kind: str
    name: str
    config: dict[str, Any] = Field(description="settings; secrets show only their last characters")
    webhook_url: str
    webhook_secret: str | None = Field(
        default=None, description="only in the answer that creates the channel"
    )
    health: dict[str, Any] = Field(
        default_factory=lambda: {"state": "ok"},
        description="`needs_reauthorisation` (with a message) once the platform refuses our keys",
    )
    settings: dict[str, Any] = Field(default_factory=dict)
    demo: bool = False
    created_at: str


class FileOut(BaseModel):
    id: str
    name: str
    mime_type: str
    size: int
    url: str

    @classmethod
    def of(cls, doc: dict[str, Any]) -> FileOut:
        return cls(
            id=str(doc["_id"]),
            name=doc["name"],
            mime_type=doc["mime_type"],
            size=doc["size"],
            url=f"/api/v1/files/{doc['_id']}",
        )


class DeadLetterOut(BaseModel):
    id: str
    error: str
    body: str
    truncated: bool
    received_at: str

    @classmethod
    def of(cls, doc: dict[str, Any]) -> DeadLetterOut:
        return cls(
            id=str(doc["_id"]),
            error=doc["error"],
            body=doc["body"],
            truncated=doc["truncated"],
            received_at=iso(doc["received_at"]),
        )


class SenderOut(BaseModel):
    type: SenderType
    id: str | None = None
    name: str | None = None


class DeliveryOut(BaseModel):
    status: DeliveryStatus
    error: str | None = None
    attempts: int = 0
    updated_at: str | None = None


class AttachmentOut(BaseModel):
    type: str
    url: str | None = Field(default=None, description="where to get it (through us when needed)")
    file_id: str | None = None
    name: str | None = None
    size: int | None = None
    mime_type: str | None = None


class MessageOut(BaseModel):
    id: str
    conversation_id: str | None = Field(description="null for a note on a ticket only")
    ticket_id: str | None = None
    channel_id: str | None
    kind: MessageKind
    direction: Direction
    private: bool
    text: str | None
    attachments: list[AttachmentOut]
    sender: SenderOut
    delivery: DeliveryOut | None
    activity: dict[str, Any] | None = None
    external_id: str | None
    reply_to: str | None = None
    subject: str | None = None
    html: str | None = Field(default=None, description="sanitised HTML body (emails)")
    quoted: str | None = Field(default=None, description="quoted history cut from the text")
    automated: bool = False
    mode: str | None = None
    options: list[str] = Field(default_factory=list, description="the bot's buttons (labels)")
    revision: int = Field(description="grows with every change; keep the highest seen")
    created_at: str
    edited_at: str | None = None

    @classmethod
    def of(cls, doc: dict[str, Any]) -> MessageOut:
        delivery = doc.get("delivery")
        return cls(
            id=str(doc["_id"]),
            conversation_id=str_id(doc.get("conversation_id")),
            ticket_id=str_id(doc.get("ticket_id")),
            channel_id=str_id(doc.get("channel_id")),
            kind=doc["kind"],
            direction=doc["direction"],
            private=doc["kind"] != MessageKind.MESSAGE,
            text=doc.get("text"),
            attachments=[
                _attachment_out(doc["_id"], n, a) for n, a in enumerate(doc.get("attachments", []))
            ],
            sender=SenderOut(**doc["sender"]),
            delivery=None
            if delivery is None
            else DeliveryOut(
                status=delivery["status"],
                error=delivery.get("error"),
                attempts=delivery.get("attempts", 0),
                updated_at=iso(delivery.get("updated_at")),
            ),
            activity=doc.get("activity"),
            external_id=doc.get("external_id"),
            reply_to=doc.get("reply_to"),
            subject=doc.get("subject"),
            html=doc.get("html"),
            quoted=doc.get("quoted"),
            automated=doc.get("automated", False),
            mode=doc.get("mode"),
            options=[o["label"] for o in doc.get("options", [])],
            revision=doc.get("revision", 0),
            created_at=iso(doc["created_at"]),
            edited_at=iso(doc.get("edited_at")),
        )


def _attachment_out(message_id: Any, number: int, item: dict[str, Any]) -> AttachmentOut:
    """Attachments the platform holds (a Telegram file id) are fetched through us."""
    fields = {k: v for k, v in item.items() if k in AttachmentOut.model_fields}
    if not fields.get("url") and fields.get("file_id"):
        fields["url"] = f"/api/v1/messages/{message_id}/attachments/{number}"
    return AttachmentOut(**fields)


def conversation_reference(number: int | None) -> str | None:
    """The short reference agents and customers quote: C-000123."""
    return f"C-{number:06d}" if number else None


class ReplyWindowOut(BaseModel):
    open: bool
    closes_at: str | None = None
    note: str | None = None


class ContactSummary(BaseModel):
    id: str
    name: str
    avatar_url: str | None = None


class ChannelSummary(BaseModel):
    id: str
    kind: str
    name: str


class LastMessage(BaseModel):
    text: str | None
    direction: Direction
    kind: MessageKind
    created_at: str


class ConversationOut(BaseModel):
    id: str
    number: int | None
    reference: str | None = Field(description="C-000123: quote it to find the conversation")
    kind: str = Field(description="message, or comment for a Facebook page comment thread")
    subject: str | None
    channel: ChannelSummary
    contact: ContactSummary
    status: ConversationStatus
    assignee_id: str | None
    team_id: str | None
    priority: Priority | None
    tags: list[str]
    unread_count: int
    last_message: LastMessage | None
    last_message_at: str
    last_customer_message_at: str | None
    created_at: str
    snoozed_until: str | None = None
    ticket_id: str | None = None
    response_due_at: str | None = Field(
        default=None, description="the SLA's first response to the waiting customer is due"
    )
    revision: int = Field(description="grows with every change; keep the highest seen")
    reply_window: ReplyWindowOut | None = Field(
        default=None, description="on single-conversation answers: may an agent reply now"
    )

    @classmethod
    def of(cls, doc: dict[str, Any], window: Any = None) -> ConversationOut:
        last = doc.get("last_message")
        number = doc.get("number")
        return cls(
            id=str(doc["_id"]),
            number=number,
            reference=conversation_reference(number),
            kind=doc.get("kind", "message"),
            subject=doc.get("subject"),
            channel=ChannelSummary(**doc["channel"], id=str(doc["channel_id"])),
            contact=ContactSummary(**doc["contact"], id=str(doc["contact_id"])),
            status=doc["status"],
            assignee_id=str_id(doc.get("assignee_id")),
            team_id=str_id(doc.get("team_id")),
            priority=doc.get("priority"),
            tags=doc.get("tags", []),
            unread_count=doc.get("unread_count", 0),
            last_message=None
            if last is None
            else LastMessage(**{**last, "created_at": iso(last["created_at"])}),
            last_message_at=iso(doc["last_message_at"]),
            last_customer_message_at=iso(doc.get("last_customer_message_at")),
            created_at=iso(doc["created_at"]),
            snoozed_until=iso(doc.get("snoozed_until")),
            response_due_at=iso(doc.get("response_due_at")),
            ticket_id=str_id(doc.get("ticket_id")),
            revision=doc.get("revision", 0),
            reply_window=None
            if window is None
            else ReplyWindowOut(
                open=window.open, closes_at=iso(window.closes_at), note=window.note
            ),
        )


class ContactOut(BaseModel):
    id: str
    name: str
    avatar_url: str | None
    emails: list[str]
    phones: list[str]
    identities: list[dict[str, str]]
    language: str | None
    created_at: str

    @classmethod
    def of(cls, doc: dict[str, Any]) -> ContactOut:
        return cls(
            id=str(doc["_id"]),
            name=doc["name"],
            avatar_url=doc.get("avatar_url"),
            emails=doc.get("emails", []),
            phones=doc.get("phones", []),
            identities=[
                {"channel_id": str(i["channel_id"]), "external_id": i["external_id"]}
                for i in doc.get("identities", [])
            ],
            language=doc.get("language"),
            created_at=iso(doc["created_at"]),
        )


# ---- tickets --------------------------------------------------------------------------------


class TicketStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN_TICKET_STATUSES = ("new", "open", "pending", "on_hold")
PRIORITY_RANK = {"urgent": 0, "high": 1, "medium": 2, "low": 3}


class TicketFields(Body):
    """What an agent may set on a ticket (every field optional here; creation requires some)."""

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


class TicketBulkChanges(Body):
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


class SlaTargetOut(BaseModel):
    minutes: int = Field(description="the promise, in business minutes")
    due_at: str | None = Field(description="none while paused or once finished")
    state: str = Field(description="on_track, warning, breached, met, stopped or paused")
    met_at: str | None
    late_minutes: float | None = Field(description="business minutes late when met")
    cycles: int | None = Field(default=None, description="next response: replies measured")
    late_cycles: int | None = Field(default=None, description="next response: late replies")

    @classmethod
    def of(cls, target: dict[str, Any], now: datetime) -> SlaTargetOut:
        return cls(
            minutes=target["minutes"],
            due_at=iso(target["due_at"]),
            state=sla_target_state(target, now),
            met_at=iso(target["met_at"]),
            late_minutes=target["late_minutes"],
            cycles=target.get("cycles"),
            late_cycles=target.get("late_cycles"),
        )


def sla_target_state(target: dict[str, Any], now: datetime) -> str:
    """A target's state at `now`; a target met on time stays met."""
    if target["met_at"] is not None:
        return "breached" if target["late_minutes"] else "met"
    if target["stopped_at"] is not None:
        return "stopped"
    if target["running_since"] is None:
        return "paused"
    if now >= target["due_at"]:
        return "breached"
    return "warning" if now >= target["warn_at"] else "on_track"


SLA_SEVERITY = ("breached", "warning", "on_track", "paused", "met", "stopped")


class SlaOut(BaseModel):
    policy_id: str
    policy_name: str
    state: str | None = Field(description="the most pressing of the targets' states")
    paused: bool
    next_due_at: str | None
    targets: dict[str, SlaTargetOut] = Field(
        description="first_response, next_response, resolution (those the policy sets)"
    )

    @classmethod
    def of(cls, sla: dict[str, Any], now: datetime | None = None) -> SlaOut:
        moment = now or clock.now()
        targets = {name: SlaTargetOut.of(t, moment) for name, t in sla["targets"].items()}
        states = {t.state for t in targets.values()}
        return cls(
            policy_id=str(sla["policy_id"]),
            policy_name=sla["policy_name"],
            state=next((s for s in SLA_SEVERITY if s in states), None),
            paused=sla.get("paused", False),
            next_due_at=iso(sla.get("next_due_at")),
            targets=targets,
        )


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


class CustomerUpdateOut(BaseModel):
    event: str = Field(description="created, status_changed, assigned or resolved")
    enabled: bool
    templates: dict[str, str]
    placeholders: list[str]


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
