"""Erasing a person on request: their data goes from everywhere it was kept; a line stays."""

from __future__ import annotations

from bson import ObjectId

from tests.conftest import eventually, load_fixture, relay_email


async def test_erase_removes_the_persons_data_everywhere_and_keeps_an_audit_line(
    http, rt, admin, agent, email_channel
):
    await relay_email(http, email_channel, load_fixture("email", "multipart_attachment.eml"))
    _, page = await admin.get("/api/v1/contacts?q=minh.tran@example.vn")
    (minh,) = page["items"]
    _, conversations = await admin.get(f"/api/v1/contacts/{minh['id']}/conversations")
    (conversation,) = conversations["items"]
    status, ticket = await admin.post(
        f"/api/v1/conversations/{conversation['id']}/ticket", json={"title": "Wrong tax code"}
    )
    assert status == 201, ticket
    await admin.post(
        f"/api/v1/conversations/{conversation['id']}/messages",
        json={"text": "Minh, we fixed the invoice", "private": True},
    )
    _, thread = await admin.get(f"/api/v1/conversations/{conversation['id']}/messages")
    file_url = next(m for m in thread["items"] if m["attachments"])["attachments"][0]["url"]

    async def events_handled():
        return await rt.store["events"].count_documents({"processed_at": None}) == 0

    await eventually(events_handled)
    status, _ = await agent.delete(f"/api/v1/contacts/{minh['id']}")
    assert status == 403
    status, tombstone = await admin.delete(f"/api/v1/contacts/{minh['id']}")
    assert status == 200, tombstone
    assert tombstone["name"] == "Erased contact" and tombstone["erased_at"]
    assert tombstone["emails"] == [] and tombstone["identities"] == []

    _, thread = await admin.get(f"/api/v1/conversations/{conversation['id']}/messages")
    words = [m["text"] or "" for m in thread["items"] if m["kind"] != "activity"]
    assert words and all("Minh" not in w and "thuế" not in w for w in words)
    assert all(not m["attachments"] for m in thread["items"])
    status, _ = await admin.get(file_url)
    assert status == 404
    anything = {"$exists": True}
    assert await rt.store["file_chunks"].count_documents({"file_id": anything}) == 0
    assert await rt.store["contact_identities"].count_documents({"contact_id": anything}) == 0
    for query in ("minh", "minh.tran@example.vn", "thuế"):
        _, found = await admin.get(f"/api/v1/conversations?q={query}")
        assert found["items"] == [], query
        _, found = await admin.get(f"/api/v1/contacts?q={query}")
        assert found["items"] == [], query
        _, found = await admin.get(f"/api/v1/tickets?view=all&q={query}")
        assert found["items"] == [], query
    _, kept_ticket = await admin.get(f"/api/v1/tickets/{ticket['id']}")
    assert kept_ticket["contact"]["name"] == "Erased contact"
    async for event in rt.store["events"].find({"subject.id": oid(conversation)}):
        assert "Minh" not in str(event["data"])
    # A rule's dry run over an event whose copy was erased reads the record as it is now.
    event = await rt.store["events"].find_one(
        {"subject.id": oid(next(m for m in thread["items"] if m["kind"] == "message"))}
    )
    _, rule = await admin.post(
        "/api/v1/rules",
        json={
            "name": "r",
            "event": "message.created",
            "actions": [{"type": "add_tag", "tag": "x"}],
        },
    )
    status, dry = await admin.post(
        f"/api/v1/rules/{rule['id']}/dry-run", json={"event_id": str(event["_id"])}
    )
    assert status == 200, dry
    assert dry["values"]["message.text"] == ""
    (line,) = await rt.store["audit_log"].find({"subject_id": oid(minh)}).to_list(None)
    assert line["action"] == "contact.erased" and line["by"]["name"] == "Ada Admin"
    assert line["counts"]["files"] == 1 and line["counts"]["identities"] == 1

    # The same address writing again is a new person: nothing of the old record comes back.
    raw = load_fixture("email", "multipart_attachment.eml").replace(
        b"Message-ID: <", b"Message-ID: <again-"
    )
    await relay_email(http, email_channel, raw)
    _, page = await admin.get("/api/v1/contacts?q=minh")
    (again,) = page["items"]
    assert again["id"] != minh["id"]


def oid(item: dict) -> ObjectId:
    return ObjectId(item["id"])
