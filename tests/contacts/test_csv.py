"""CSV import (preview, then for real) and export, which imports back unchanged."""

from __future__ import annotations

import csv
import io

from tests.conftest import Client

GOOD_DUPLICATE_AND_BROKEN = """\ufeffName,Email,Phone,Tags,plan,notes
Lê Thu,thu@example.com,0903 111 222,vip;b2b,gold,
Existing Person,known@example.com,,,,"called twice, wants a refund"
Thu again,THU@example.com,,,,
,,,,,just a note
Bad Mail,not-an-email,,,,
Bad Plan,plan@example.com,,,platinum,
=cmd|' /C calc'!A0,formula@example.com,,,,
"""


async def _export(client: Client, query: str = "") -> tuple[int, str]:
    async with client.session.get(
        f"{client.base}/api/v1/contacts/export{query}",
        headers={"Authorization": f"Bearer {client.token}"},
    ) as answer:
        return answer.status, (await answer.read()).decode("utf-8-sig")


async def test_an_import_is_previewed_row_by_row_then_creates_and_updates(admin, agent):
    await admin.post(
        "/api/v1/contact-attributes",
        json={"key": "plan", "label": "Plan", "type": "select", "options": ["gold", "free"]},
    )
    _, known = await admin.post(
        "/api/v1/contacts", json={"name": "Known", "emails": ["known@example.com"]}
    )
    body = {"csv": GOOD_DUPLICATE_AND_BROKEN}
    status, _ = await agent.post("/api/v1/contacts/import", json=body)
    assert status == 403

    status, preview = await admin.post("/api/v1/contacts/import", json=body)
    assert status == 200, preview
    assert preview["dry_run"] is True
    outcome = {row["row"]: (row["action"], row["errors"]) for row in preview["rows"]}
    assert outcome[2] == ("create", [])
    assert outcome[3][0] == "update"
    assert outcome[4] == ("error", ["the same person as row 2"])
    assert outcome[5] == ("error", ["name: required for a new contact"])
    assert outcome[6][0] == "error" and outcome[6][1][0].startswith("emails.0")
    assert outcome[7][0] == "error" and outcome[7][1][0].startswith("attributes.plan")
    assert outcome[8] == ("create", [])
    assert (preview["created"], preview["updated"], preview["failed"]) == (2, 1, 4)
    _, page = await admin.get("/api/v1/contacts")
    assert len(page["items"]) == 1  # a preview changes nothing

    status, done = await admin.post("/api/v1/contacts/import", json={**body, "dry_run": False})
    assert status == 200 and (done["created"], done["updated"], done["failed"]) == (2, 1, 4)
    _, thu = await admin.get("/api/v1/contacts?q=thu@example.com")
    (thu,) = thu["items"]
    assert thu["phones"] == ["+84903111222"] and thu["tags"] == ["vip", "b2b"]
    assert thu["attributes"] == {"plan": "gold"}
    _, updated = await admin.get(f"/api/v1/contacts/{known['id']}")
    assert updated["name"] == "Existing Person"
    assert updated["notes"] == "called twice, wants a refund"


async def test_a_header_without_a_known_column_is_refused(admin):
    status, refused = await admin.post(
        "/api/v1/contacts/import", json={"csv": "shoe size\n42\n", "dry_run": True}
    )
    assert status == 422, refused


async def test_export_round_trips_and_defuses_formulas(admin, agent):
    await admin.post(
        "/api/v1/contact-attributes", json={"key": "orders", "label": "Orders", "type": "number"}
    )
    for person in (
        {"name": "Nguyễn Thị Hoa", "emails": ["hoa@example.com"], "phones": ["0912000111"]},
        {"name": '=HYPERLINK("http://evil")', "tags": ["a", "b"], "attributes": {"orders": 3}},
        {"name": 'Notes, quotes "and" lines', "notes": "line one\nline two"},
    ):
        status, body = await admin.post("/api/v1/contacts", json=person)
        assert status == 201, body
    status, _ = await _export(agent)
    assert status == 403
    status, exported = await _export(admin)
    assert status == 200
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert len(rows) == 3
    formula = next(r for r in rows if "HYPERLINK" in r["name"])
    assert formula["name"].startswith("'=") and formula["orders"] == "3"
    assert next(r for r in rows if r["emails"])["phones"] == "'+84912000111"

    _, before = await admin.get("/api/v1/contacts")
    status, again = await admin.post(
        "/api/v1/contacts/import", json={"csv": exported, "dry_run": False}
    )
    assert status == 200, again
    assert (again["created"], again["updated"], again["failed"]) == (0, 3, 0), again
    _, after = await admin.get("/api/v1/contacts")
    fields = ("id", "name", "emails", "phones", "tags", "notes", "attributes")
    assert [{k: c[k] for k in fields} for c in after["items"]] == [
        {k: c[k] for k in fields} for c in before["items"]
    ]
    _, filtered = await _export(admin, "?tag=a")
    assert len(list(csv.DictReader(io.StringIO(filtered)))) == 1
    status, refused = await _export(admin, "?attribute=no-colon")
    assert status == 422, refused
