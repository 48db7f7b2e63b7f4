"""Departments customers choose from when they open a request (sales, support...): each
routes to a team and a category, asks some ticket fields, and shows its FAQ entries first.
An answer that helped ("This answered my question") is counted as a deflection."""

from __future__ import annotations

from typing import Any, ClassVar

from bson import ObjectId
from pydantic import BaseModel, Field

from inbox import clock
from inbox.errors import Invalid, NotFound
from inbox.ids import new_id, parse_id
from inbox.models.common import Body, Partial
from inbox.runtime import Runtime
from inbox.services import faqs, teams
from inbox.services.tickets import categories

SUGGESTIONS = 3


class DepartmentBody(Partial, Body):
    """A department as admins define it; on PATCH only the fields given change."""

    nullable: ClassVar[frozenset[str]] = frozenset({"team_id", "category_id", "description"})

    name: str | None = Field(default=None, min_length=1, max_length=80)
    description: str | None = Field(default=None, max_length=500)
    team_id: str | None = None
    category_id: str | None = None
    field_keys: list[str] | None = Field(
        default=None, max_length=20, description="ticket fields the form asks"
    )
    faq_ids: list[str] | None = Field(
        default=None, max_length=50, description="FAQ entries shown before the form"
    )
    visible: bool | None = Field(default=None, description="offered in the portal (on)")
    position: int | None = Field(default=None, ge=0, le=1000)


class DepartmentOut(BaseModel):
    id: str
    name: str
    description: str | None
    team_id: str | None
    category_id: str | None
    field_keys: list[str]
    faq_ids: list[str]
    visible: bool
    position: int
    deflections: int = Field(description="times one of its answers was enough for a customer")

    @classmethod
    def of(cls, doc: dict[str, Any]) -> DepartmentOut:
        return cls(
            id=str(doc["_id"]),
            name=doc["name"],
            description=doc.get("description"),
            team_id=str(doc["team_id"]) if doc.get("team_id") else None,
            category_id=str(doc["category_id"]) if doc.get("category_id") else None,
            field_keys=doc.get("field_keys", []),
            faq_ids=[str(f) for f in doc.get("faq_ids", [])],
            visible=doc.get("visible", True),
            position=doc.get("position", 0),
            deflections=doc.get("deflections", 0),
        )


async def list_all(rt: Runtime, *, visible_only: bool = False) -> list[dict[str, Any]]:
    query = {"visible": True} if visible_only else {}
    return await rt.store["portal_departments"].find(query, sort=[("position", 1)]).to_list(None)


async def get(rt: Runtime, department_id: str, *, visible_only: bool = False) -> dict[str, Any]:
    missing = NotFound("No such department.")
    if not ObjectId.is_valid(department_id):
        raise missing
    doc = await rt.store["portal_departments"].find_one({"_id": ObjectId(department_id)})
    if doc is None or (visible_only and not doc.get("visible", True)):
        raise missing
    return doc


def view(doc: dict[str, Any]) -> dict[str, Any]:
    return DepartmentOut.of(doc).model_dump()


async def create(rt: Runtime, body: DepartmentBody) -> dict[str, Any]:
    if body.name is None:
        raise Invalid("A department needs a name.", [{"field": "name", "message": "required"}])
    doc = {
        "_id": new_id(),
        "name": body.name,
        "description": None,
        "team_id": None,
        "category_id": None,
        "field_keys": [],
        "faq_ids": [],
        "visible": True,
        "position": 0,
        "deflections": 0,
        **await _checked(rt, body),
        "created_at": clock.now(),
    }
    await rt.store["portal_departments"].insert_one(doc)
    return doc


async def update(rt: Runtime, doc: dict[str, Any], body: DepartmentBody) -> dict[str, Any]:
    changes = await _checked(rt, body)
    await rt.store["portal_departments"].update_one({"_id": doc["_id"]}, {"$set": changes})
    return {**doc, **changes}


async def delete(rt: Runtime, doc: dict[str, Any]) -> None:
    await rt.store["portal_departments"].delete_one({"_id": doc["_id"]})


async def _checked(rt: Runtime, body: DepartmentBody) -> dict[str, Any]:
    """The stored form of the fields given; unknown teams, categories, fields or entries
    are a 422 naming the field."""
    given = body.model_dump(exclude_unset=True)
    if given.get("team_id"):
        given["team_id"] = (await teams.get(rt, parse_id(given["team_id"], "team")))["_id"]
    if given.get("category_id"):
        ids, _names = await categories.path(rt, parse_id(given["category_id"], "category"))
        given["category_id"] = ids[-1]
    if "field_keys" in given:
        known = {f["key"] for f in await rt.store["ticket_fields"].find({}).to_list(None)}
        unknown = [k for k in given["field_keys"] if k not in known]
        if unknown:
            raise Invalid(
                f"No ticket field {', '.join(unknown)}.",
                [{"field": "field_keys", "message": f"unknown: {', '.join(unknown)}"}],
            )
    if "faq_ids" in given:
        given["faq_ids"] = [(await faqs.get(rt, f))["_id"] for f in given["faq_ids"]]
    return given


# ---- what customers see ----------------------------------------------------------------------


async def entries(rt: Runtime, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The department's FAQ entries, in the order admins gave."""
    found = {
        e["_id"]: e
        for e in await rt.store["faqs"].find({"_id": {"$in": doc.get("faq_ids", [])}}).to_list(None)
        if e.get("enabled", True)
    }
    return [found[i] for i in doc.get("faq_ids", []) if i in found]


async def suggest(rt: Runtime, doc: dict[str, Any], title: str) -> list[dict[str, Any]]:
    """The entries that best match what the customer is typing (the bot's matcher), the
    department's own first."""
    own = await entries(rt, doc)
    pool = own or await faqs.list_all(rt)
    ranked = sorted(
        ((faqs.score(title, e), e) for e in pool if e.get("enabled", True)),
        key=lambda pair: pair[0],
        reverse=True,
    )
    return [e for score, e in ranked[:SUGGESTIONS] if score >= faqs.PLAUSIBLE]


def public_entry(entry: dict[str, Any]) -> dict[str, str]:
    return {"id": str(entry["_id"]), "question": entry["question"], "answer": entry["answer"]}


async def record_deflection(
    rt: Runtime, doc: dict[str, Any], faq_id: str, contact_id: ObjectId
) -> None:
    """A customer found their answer in this entry and opened no request."""
    entry = await faqs.get(rt, faq_id)
    await rt.store["portal_departments"].update_one(
        {"_id": doc["_id"]}, {"$inc": {"deflections": 1}}
    )
    await rt.store["portal_deflections"].insert_one(
        {
            "department_id": doc["_id"],
            "faq_id": entry["_id"],
            "contact_id": contact_id,
            "at": clock.now(),
        }
    )
