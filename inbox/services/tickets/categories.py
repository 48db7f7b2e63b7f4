"""Ticket categories: an admin-defined tree, three levels at most."""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from inbox import clock
from inbox.errors import Conflict, Invalid
from inbox.ids import new_id, parse_id
from inbox.models.tickets import CategoryCreate
from inbox.runtime import Runtime

MAX_DEPTH = 3


async def create(rt: Runtime, body: CategoryCreate) -> dict[str, Any]:
    parent = None
    if body.parent_id is not None:
        parent = await get(rt, parse_id(body.parent_id, "category"))
        if parent["level"] >= MAX_DEPTH:
            raise Invalid(f"Categories go {MAX_DEPTH} levels deep at most.")
    doc = {
        "_id": new_id(),
        "name": body.name.strip(),
        "parent_id": parent["_id"] if parent else None,
        "level": parent["level"] + 1 if parent else 1,
        "created_at": clock.now(),
    }
    doc["path_key"] = f"{parent['_id'] if parent else 'root'}:{doc['name'].lower()}"
    try:
        await rt.store["categories"].insert_one(doc)
    except DuplicateKeyError:
        raise Conflict(f"There is already a category {doc['name']!r} here.") from None
    return doc


async def get(rt: Runtime, category_id: ObjectId) -> dict[str, Any]:
    return await rt.store.get("categories", category_id, "category")


async def list_all(rt: Runtime) -> list[dict[str, Any]]:
    return await rt.store["categories"].find({}, sort=[("level", 1), ("name", 1)]).to_list(None)


async def path(rt: Runtime, category_id: ObjectId) -> tuple[list[ObjectId], list[str]]:
    """The ids and names from the root down to this category."""
    ids: list[ObjectId] = []
    names: list[str] = []
    current: ObjectId | None = category_id
    while current is not None:
        doc = await get(rt, current)
        ids.insert(0, doc["_id"])
        names.insert(0, doc["name"])
        current = doc.get("parent_id")
    return ids, names


async def delete(rt: Runtime, category_id: ObjectId) -> None:
    doc = await get(rt, category_id)
    children = await rt.store["categories"].find_one({"parent_id": doc["_id"]})
    if children is not None:
        raise Conflict("Delete or move the sub-categories first.")
    await rt.store["categories"].delete_one({"_id": doc["_id"]})
