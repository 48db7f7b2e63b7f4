"""Contacts in and out as CSV: import with a preview (create, or update the contact with the
same id, email or phone; each broken row says why) and export of any filtered list.

Columns: id, name, emails, phones, tags (several values separated by ";"), language,
timezone, notes, then one per custom attribute (its key). An export imports back unchanged.
Cells an export starts with =, +, - or @ get a leading apostrophe, so a spreadsheet does not
run them as formulas; an import takes it off again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from pydantic import ValidationError

from inbox.auth import Principal
from inbox.clock import iso
from inbox.errors import AppError, Invalid
from inbox.events import Actor
from inbox.models.contacts import (
    ContactCreate,
    ContactFields,
    ContactFilter,
    ImportResult,
    ImportRow,
)
from inbox.pagination import MAX_LIMIT, Position
from inbox.runtime import Runtime
from inbox.services.contacts import attributes, lists, records

MAX_ROWS = 5000
LIST_COLUMNS = ("emails", "phones", "tags")
TEXT_COLUMNS = ("name", "language", "timezone", "notes")
READ_ONLY_COLUMNS = ("channels", "created_at", "last_seen_at")
"""Exported for reading; an import skips them."""
FORMULA_STARTS = ("=", "+", "-", "@")
ALIASES = {"email": "emails", "phone": "phones", "tag": "tags"}


# ---- import ----------------------------------------------------------------------------------


async def import_csv(rt: Runtime, text: str, dry_run: bool, actor: Actor) -> ImportResult:
    """Check every row, then (unless a dry run) create or update the good ones."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [_column(c) for c in reader.fieldnames or []]
    known = {a["key"]: a["type"] for a in await attributes.definitions.list_all(rt)}
    columns = {"id", *LIST_COLUMNS, *TEXT_COLUMNS, *READ_ONLY_COLUMNS, *known}
    unknown = [c for c in header if c not in columns]
    if not {"name", "emails", "phones", "id"} & set(header):
        raise Invalid("The first line must name the columns: name, email, phone...")
    if unknown:
        raise Invalid(f"Unknown columns: {', '.join(unknown)}. Define attributes first.")
    rows: list[ImportRow] = []
    claimed: dict[str, int] = {}
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            raise Invalid(f"At most {MAX_ROWS} rows per import; split the file.")
        cells = {_column(k): _uncell(v) for k, v in raw.items() if k is not None}
        if not any(cells.values()):
            continue
        rows.append(await _import_row(rt, number, cells, known, claimed, dry_run, actor))
    return ImportResult(
        dry_run=dry_run,
        created=sum(r.action == "create" for r in rows),
        updated=sum(r.action == "update" for r in rows),
        failed=sum(r.action == "error" for r in rows),
        rows=rows,
    )


def _column(name: str) -> str:
    name = name.strip().lower()
    return ALIASES.get(name, name)


def _uncell(value: Any) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if text[:1] == "'" and text[1:2] in FORMULA_STARTS:
        return text[1:]
    return text


async def _import_row(
    rt: Runtime,
    number: int,
    cells: dict[str, str],
    known: dict[str, str],
    claimed: dict[str, int],
    dry_run: bool,
    actor: Actor,
) -> ImportRow:
    row = ImportRow(row=number, action="error", name=cells.get("name") or None)
    try:
        fields = _fields(cells, known)
        values = await records.clean(rt, fields, None)
        match = await _match(rt, cells.get("id"), values)
    except ValidationError as error:
        row.errors = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()]
        return row
    except AppError as error:
        details = error.details if isinstance(error.details, list) else []
        row.errors = [f"{d['field']}: {d['message']}" for d in details] or [error.message]
        return row
    keys = [f"id:{match['_id']}"] if match else []
    keys += [f"email:{e}" for e in values.get("emails", [])]
    keys += [f"phone:{p}" for p in values.get("phones", [])]
    earlier = next((claimed[k] for k in keys if k in claimed), None)
    if earlier is not None:
        row.errors = [f"the same person as row {earlier}"]
        return row
    claimed.update(dict.fromkeys(keys, number))
    if match is None and "name" not in values:
        row.errors = ["name: required for a new contact"]
        return row
    row.action = "update" if match else "create"
    if match:
        row.contact_id = str(match["_id"])
    if dry_run:
        return row
    if match:
        await records.update(rt, match, fields, actor)
    else:
        created = await records.create(
            rt, ContactCreate(**fields.model_dump(exclude_unset=True)), actor
        )
        row.contact_id = str(created["_id"])
    return row


def _fields(cells: dict[str, str], known: dict[str, str]) -> ContactFields:
    """The row as contact fields; empty cells are left out (they keep the current value)."""
    given: dict[str, Any] = {}
    for column in TEXT_COLUMNS:
        if cells.get(column):
            given[column] = cells[column]
    for column in LIST_COLUMNS:
        if cells.get(column):
            given[column] = [v.strip() for v in cells[column].split(";") if v.strip()]
    typed = {k: _attribute_value(known[k], v) for k, v in cells.items() if k in known and v}
    if typed:
        given["attributes"] = typed
    return ContactFields(**given)


def _attribute_value(kind: str, text: str) -> Any:
    """A number attribute's cell as a number; others as text (checked with the rest)."""
    if kind != "number":
        return text
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and "." not in text else number


async def _match(
    rt: Runtime, contact_id: str | None, values: dict[str, Any]
) -> dict[str, Any] | None:
    """The existing contact this row is about: by id, else by email, else by phone."""
    if contact_id:
        try:
            found = await records.get(rt, ObjectId(contact_id))
        except InvalidId:
            raise Invalid(f"id: {contact_id!r} is not a contact id") from None
        return records.editable(await records.current(rt, found))
    for field in ("emails", "phones"):
        if not values.get(field):
            continue
        matches = (
            await rt.store["contacts"]
            .find({field: {"$in": values[field]}, "merged_into": None}, limit=2)
            .to_list(None)
        )
        if len(matches) > 1:
            raise Invalid(f"{field}: matches several contacts; merge them first")
        if matches:
            return records.editable(matches[0])
    return None


# ---- export ----------------------------------------------------------------------------------


async def export_csv(rt: Runtime, principal: Principal, query: ContactFilter) -> AsyncIterator[str]:
    """The contacts of a filtered list as CSV, a line at a time (check the filter with
    `lists.conditions` before answering: a malformed one fails here only once streaming)."""
    keys = [a["key"] for a in await attributes.definitions.list_all(rt)]
    header = ["id", *TEXT_COLUMNS[:1], *LIST_COLUMNS, *TEXT_COLUMNS[1:], *keys]
    header += READ_ONLY_COLUMNS
    yield _line(header)
    position: Position | None = None
    while True:
        batch = await lists.list_page(rt, principal, query, position, MAX_LIMIT)
        for contact in batch[:MAX_LIMIT]:
            yield _line(_export_row(contact, keys))
        if len(batch) <= MAX_LIMIT:
            return
        last = batch[MAX_LIMIT - 1]
        position = Position(last["created_at"], last["_id"])


def _export_row(contact: dict[str, Any], keys: list[str]) -> list[str]:
    attrs = contact.get("attributes", {})
    return [
        str(contact["_id"]),
        contact["name"],
        *(";".join(contact.get(c, [])) for c in LIST_COLUMNS),
        *(contact.get(c) or "" for c in TEXT_COLUMNS[1:]),
        *("" if attrs.get(k) is None else str(attrs[k]) for k in keys),
        ";".join(sorted({i.get("kind", "") for i in contact.get("identities", [])})),
        iso(contact["created_at"]) or "",
        iso(contact.get("last_seen_at")) or "",
    ]


def _line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(["'" + c if c[:1] in FORMULA_STARTS else c for c in cells])
    return out.getvalue()
