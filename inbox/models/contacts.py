"""Contacts: the person behind every channel identity, their custom attributes, merges,
imports and searches."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import AwareDatetime, BaseModel, Field

from inbox.clock import iso
from inbox.ids import str_id
from inbox.models.common import Body, Partial
from inbox.models.tickets import TicketFieldCreate, TicketFieldOut

TAG = Field(min_length=1, max_length=50)
EDITABLE = ("name", "emails", "phones", "language", "timezone", "tags", "notes", "attributes")
"""What agents edit; profile data from a platform never overwrites these once edited."""


class IdentityOut(BaseModel):
    channel_id: str
    kind: str = Field(description="telegram, facebook, zalo, email, portal")
    channel_name: str | None = None
    external_id: str


class ContactOut(BaseModel):
    id: str
    name: str
    avatar_url: str | None
    emails: list[str]
    phones: list[str] = Field(description="E.164, e.g. +84912345678")
    identities: list[IdentityOut]
    language: str | None
    timezone: str | None
    tags: list[str]
    notes: str
    attributes: dict[str, Any]
    created_at: str
    last_seen_at: str | None
    merged_into: str | None = Field(
        description="set when this record was merged into another: it is then read only"
    )
    merges: list[dict[str, Any]] = Field(description="who merged which record into this one")
    erased_at: str | None

    @classmethod
    def of(cls, doc: dict[str, Any]) -> ContactOut:
        return cls(
            id=str(doc["_id"]),
            name=doc["name"],
            avatar_url=doc.get("avatar_url"),
            emails=doc.get("emails", []),
            phones=doc.get("phones", []),
            identities=[
                IdentityOut(
                    channel_id=str(i["channel_id"]),
                    kind=i.get("kind", ""),
                    channel_name=i.get("channel_name"),
                    external_id=i["external_id"],
                )
                for i in doc.get("identities", [])
            ],
            language=doc.get("language"),
            timezone=doc.get("timezone"),
            tags=doc.get("tags", []),
            notes=doc.get("notes", ""),
            attributes=doc.get("attributes", {}),
            created_at=iso(doc["created_at"]),
            last_seen_at=iso(doc.get("last_seen_at")),
            merged_into=str_id(doc.get("merged_into")),
            merges=[
                {**m, "contact_id": str(m["contact_id"]), "at": iso(m["at"])}
                for m in doc.get("merges", [])
            ],
            erased_at=iso((doc.get("erased") or {}).get("at")),
        )


class ContactFields(Partial):
    """What an agent sets on a contact; absent fields keep their value."""

    model_config = Body.model_config
    nullable: ClassVar[frozenset[str]] = frozenset({"language", "timezone"})

    name: str | None = Field(default=None, min_length=1, max_length=200)
    emails: list[str] | None = Field(default=None, max_length=20)
    phones: list[str] | None = Field(default=None, max_length=20)
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    timezone: str | None = Field(
        default=None, max_length=64, description="IANA, e.g. Asia/Ho_Chi_Minh"
    )
    tags: list[str] | None = Field(default=None, max_length=50)
    notes: str | None = Field(default=None, max_length=10_000)
    attributes: dict[str, Any] | None = Field(
        default=None, description="values of the custom attributes; null clears one"
    )


class ContactCreate(ContactFields):
    name: str = Field(min_length=1, max_length=200)  # type: ignore[assignment]


class ContactFilter(Body):
    """Which contacts: the list's filters, also those of the CSV export."""

    q: str | None = Field(
        default=None, description="name, phone, email or channel id; with or without accents"
    )
    tag: str | None = None
    channel: str | None = Field(default=None, description="a channel id: contacts who wrote there")
    attribute: str | None = Field(default=None, description="key:value of a custom attribute")
    seen_after: AwareDatetime | None = None
    seen_before: AwareDatetime | None = None


class ContactQuery(ContactFilter):
    cursor: str | None = None
    limit: int | None = None


class MergeBody(Body):
    other_id: str = Field(description="the contact merged into this one; it becomes read only")


class MergeSuggestion(BaseModel):
    contact: ContactOut
    reasons: list[str] = Field(description="what they share: phone +84..., email a@b.c")


class AttributeCreate(TicketFieldCreate):
    on_card: bool = Field(default=False, description="shown on the inbox's contact card")


class AttributeOut(TicketFieldOut):
    on_card: bool

    @classmethod
    def of(cls, doc: dict[str, Any]) -> AttributeOut:
        return cls(**{k: doc.get(k, False) for k in cls.model_fields})


class ImportBody(Body):
    csv: str = Field(min_length=1, description="the file's text, first line the column names")
    dry_run: bool = Field(default=True, description="true: only say what would happen")


class ImportRow(BaseModel):
    row: int = Field(description="line number in the file (the header is line 1)")
    action: str = Field(description="create, update or error")
    contact_id: str | None = None
    name: str | None = None
    errors: list[str] = []


class ImportResult(BaseModel):
    dry_run: bool
    created: int
    updated: int
    failed: int
    rows: list[ImportRow]
