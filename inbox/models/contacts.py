"""Contacts as agents see them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from inbox.clock import iso


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
