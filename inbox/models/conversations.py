"""Conversations and their messages: statuses, senders, delivery, attachments, files."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from inbox.clock import iso
from inbox.ids import str_id
from inbox.models.common import Body, Partial, Priority


class ConversationStatus(StrEnum):
    BOT = "bot"
    OPEN = "open"
    PENDING = "pending"
    SNOOZED = "snoozed"
    RESOLVED = "resolved"


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
    UNKNOWN = "unknown"
    """The platform got the request but no answer came back: it may have been delivered.
    Never re-sent automatically; an agent sends it again or marks it sent."""


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


class ConversationPatch(Partial, Body):
    """Only the fields present change; `null` clears assignee, team or priority."""

    nullable: ClassVar[frozenset[str]] = frozenset(
        {"assignee_id", "team_id", "priority", "snoozed_until"}
    )

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
    q: str | None = Field(
        default=None,
        max_length=200,
        description="words of the contact's name, phone, email or channel id (or their "
        "beginnings) and whole words of the messages; with or without accents",
    )
    cursor: str | None = None
    limit: int | None = None


class MessageQuery(Body):
    cursor: str | None = None
    limit: int | None = None
    order: str = Field(default="asc", pattern="^(asc|desc)$")


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


class SenderOut(BaseModel):
    type: SenderType
    id: str | None = None
    name: str | None = None


class DeliveryStep(BaseModel):
    """One line of a message's delivery history."""

    at: str
    outcome: str = Field(
        description="sent, retrying, failed, unknown, resent (an agent sent it again), "
        "marked_sent (an agent confirmed it arrived)"
    )
    error: str | None = None
    by: str | None = Field(default=None, description="the agent, for their own actions")


class DeliveryOut(BaseModel):
    status: DeliveryStatus
    error: str | None = None
    attempts: int = 0
    updated_at: str | None = None
    history: list[DeliveryStep] = Field(default_factory=list)


class CsatOut(BaseModel):
    rating: int = Field(ge=1, le=5)
    comment: str | None = None
    at: str

    @classmethod
    def of(cls, doc: dict[str, Any]) -> CsatOut:
        return cls(rating=doc["rating"], comment=doc.get("comment"), at=iso(doc["at"]))


class RetentionSettings(Body):
    attachment_days: int | None = Field(
        default=None,
        ge=1,
        le=36_500,
        description="delete files in conversations and tickets older than this many days "
        "(null: keep them as long as their messages)",
    )


class AttachmentCopyOut(BaseModel):
    status: Literal["pending", "copied", "failed", "removed"] = Field(
        description="our copy of a file whose platform link expires: pending (served through "
        "the platform meanwhile), copied, failed (see error), removed (retention)"
    )
    error: str | None = None
    attempts: int = 0
    at: str | None = None


class AttachmentOut(BaseModel):
    type: str
    url: str | None = Field(
        default=None, description="where to get it (through us when needed); null once lost"
    )
    file_id: str | None = None
    name: str | None = None
    size: int | None = None
    mime_type: str | None = None
    source_url: str | None = Field(
        default=None, description="the platform's own link, which may expire"
    )
    stored_copy: AttachmentCopyOut | None = None


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
    sent_because: dict[str, str | None] | None = Field(
        default=None,
        description="why the system wrote this automatically: {update: created, "
        "status_changed, assigned, resolved, escalated or survey; by: who acted; status}",
    )
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
                history=[
                    DeliveryStep(**{**step, "at": iso(step["at"])})
                    for step in delivery.get("history", [])
                ],
            ),
            activity=doc.get("activity"),
            external_id=doc.get("external_id"),
            reply_to=doc.get("reply_to"),
            subject=doc.get("subject"),
            html=doc.get("html"),
            quoted=doc.get("quoted"),
            automated=doc.get("automated", False),
            sent_because=doc.get("sent_because"),
            mode=doc.get("mode"),
            options=[o["label"] for o in doc.get("options", [])],
            revision=doc.get("revision", 0),
            created_at=iso(doc["created_at"]),
            edited_at=iso(doc.get("edited_at")),
        )


def _attachment_out(message_id: Any, number: int, item: dict[str, Any]) -> AttachmentOut:
    """Attachments the platform holds (a Telegram file id, a link we are still copying) are
    fetched through us; one we could not keep has no `url`, only its reason."""
    fields = {k: v for k, v in item.items() if k in AttachmentOut.model_fields}
    through_us = f"/api/v1/messages/{message_id}/attachments/{number}"
    state = item.get("copy")
    if state is not None:
        fields["stored_copy"] = AttachmentCopyOut(
            status=state["status"],
            error=state.get("error"),
            attempts=state.get("attempts", 0),
            at=iso(state.get("at")),
        )
        if state["status"] == "pending":
            fields["source_url"], fields["url"] = item.get("url"), through_us
        elif state["status"] != "copied":
            fields["source_url"], fields["url"] = item.get("source_url", item.get("url")), None
    elif not fields.get("url") and fields.get("file_id"):
        fields["url"] = through_us
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
    csat: CsatOut | None = Field(
        default=None, description="the customer's rating, for a conversation without a ticket"
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
            csat=CsatOut.of(doc["csat"]) if doc.get("csat") else None,
            revision=doc.get("revision", 0),
            reply_window=None
            if window is None
            else ReplyWindowOut(
                open=window.open, closes_at=iso(window.closes_at), note=window.note
            ),
        )
