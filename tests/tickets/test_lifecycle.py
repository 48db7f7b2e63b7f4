"""Promoting conversations to tickets, changing them, and the errors that leave them unchanged."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from bson import ObjectId

from inbox.services.tickets import followup as ticket_followup
from tests.conftest import customer_writes, eventually, make_agent
from tests.tickets.helpers import agent_client, conversation_of, promote, thread


async def test_promoting_keeps_the_thread_numbers_the_ticket_and_records_history(
    http, admin, telegram_channel
):
    await customer_writes(http, telegram_channel, 7, "Đơn hàng #4411 chưa tới", message_id=1)
    conversation = await conversation_of(admin)

    status, ticket = await admin.post(
        f"/api/v1/conversations/{conversation['id']}/ticket",
        json={"title": "Order 4411 not delivered", "priority": "high"},
    )

    assert status == 201, ticket
    assert ticket["number"].startswith("T-") and len(ticket["number"]) == 8
    assert ticket["status"] == "new" and ticket["priority"] == "high"
    assert ticket["contact"]["name"] == "Khách Hàng"
    assert ticket["conversation_ids"] == [conversation["id"]]
    assert ticket["channel"]["kind"] == "telegram"
    texts = [m["text"] for m in await thread(admin, ticket["id"]) if m["direction"] == "in"]
    assert texts == ["Đơn hàng #4411 chưa tới"]
    _, history = await admin.get(f"/api/v1/tickets/{ticket['id']}/history")
    assert history["items"][0]["field"] == "created"
    assert history["items"][0]["after"] == ticket["number"]
    assert history["items"][0]["actor"]["name"] == "Ada Admin"
    _, again = await admin.get(f"/api/v1/conversations/{conversation['id']}")
    assert again["ticket_id"] == ticket["id"]

    await customer_writes(http, telegram_channel, 7, "Any news?", message_id=2)

    async def later_message_on_ticket() -> bool:
        return "Any news?" in [m["text"] for m in await thread(admin, ticket["id"])]

    await eventually(later_message_on_ticket)
    status, by_number = await admin.get(f"/api/v1/tickets/{ticket['number']}")
    assert status == 200 and by_number["id"] == ticket["id"]


async def test_promoting_twice_answers_409_with_the_existing_ticket(http, admin, telegram_channel):
    await customer_writes(http, telegram_channel, 7, "help")
    conversation = await conversation_of(admin)
    first = await promote(admin, conversation["id"], "Help needed")

    status, body = await admin.post(
        f"/api/v1/conversations/{conversation['id']}/ticket", json={"title": "Again"}
    )

    assert status == 409
    assert body["error"]["code"] == "already_a_ticket"
    assert body["error"]["details"]["ticket"]["id"] == first["id"]
    assert first["number"] in body["error"]["message"]


async def test_concurrent_promotions_never_share_a_number(http, admin, telegram_channel):
    for chat in range(1, 13):
        await customer_writes(http, telegram_channel, chat, f"problem {chat}")
    _, page = await admin.get("/api/v1/conversations?limit=50")
    ids = [c["id"] for c in page["items"]]
    assert len(ids) == 12

    answers = await asyncio.gather(
        *(admin.post(f"/api/v1/conversations/{i}/ticket", json={"title": "x"}) for i in ids)
    )

    assert [status for status, _ in answers] == [201] * 12
    numbers = [ticket["number"] for _, ticket in answers]
    assert len(set(numbers)) == 12


async def test_concurrent_promotions_of_one_conversation_make_one_ticket(
    http, admin, telegram_channel
):
    await customer_writes(http, telegram_channel, 3, "hello")
    conversation = await conversation_of(admin)
    path = f"/api/v1/conversations/{conversation['id']}/ticket"

    answers = await asyncio.gather(*(admin.post(path, json={"title": "t"}) for _ in range(6)))

    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * 5
    _, listed = await admin.get("/api/v1/tickets?view=all&status=all")
    assert len(listed["items"]) == 1


async def test_an_agent_opens_a_ticket_for_a_contact_without_a_conversation(
    http, admin, telegram_channel
):
    await customer_writes(http, telegram_channel, 3, "hello")
    conversation = await conversation_of(admin)

    status, ticket = await admin.post(
        "/api/v1/tickets",
        json={
            "title": "Phoned about a refund",
            "contact_id": conversation["contact"]["id"],
            "tags": ["refund", " refund ", "phone"],
            "deal_ref": "SO-2291",
        },
    )

    assert status == 201, ticket
    assert ticket["conversation_ids"] == [] and ticket["channel"] is None
    assert ticket["assignee_ids"] == [str(admin.agent["_id"])]
    assert ticket["owner_id"] == str(admin.agent["_id"])
    assert ticket["tags"] == ["refund", "phone"]
    status, note = await admin.post(
        f"/api/v1/tickets/{ticket['id']}/messages",
        json={"text": "Call back at 3pm", "private": True},
    )
    assert status == 201 and note["ticket_id"] == ticket["id"] and note["conversation_id"] is None
    status, error = await admin.post(
        f"/api/v1/tickets/{ticket['id']}/messages", json={"text": "Hello!"}
    )
    assert status == 422 and error["error"]["code"] == "no_conversation"


async def test_every_field_can_be_changed_and_each_change_is_in_the_history(
    http, admin, rt, telegram_channel
):
    await customer_writes(http, telegram_channel, 7, "help")
    ticket = await promote(admin, (await conversation_of(admin))["id"], "Help")
    helper = await make_agent(rt, "bea@example.com", name="Bea")
    _, team = await admin.post("/api/v1/teams", json={"name": "Logistics"})
    _, root = await admin.post("/api/v1/categories", json={"name": "Orders"})
    _, child = await admin.post(
        "/api/v1/categories", json={"name": "Delivery", "parent_id": root["id"]}
    )
    await admin.post(
        "/api/v1/ticket-fields",
        json={"key": "order_value", "label": "Order value", "type": "number"},
    )
    await admin.post(
        "/api/v1/ticket-fields",
        json={"key": "carrier", "label": "Carrier", "type": "select", "options": ["GHN", "GHTK"]},
    )

    status, changed = await admin.patch(
        f"/api/v1/tickets/{ticket['id']}",
        json={
            "title": "Parcel lost",
            "summary": "Carrier lost the parcel",
            "status": "open",
            "priority": "urgent",
            "team_id": team["id"],
            "assignee_ids": [str(admin.agent["_id"]), str(helper["_id"])],
            "owner_id": str(helper["_id"]),
            "category_id": child["id"],
            "tags": ["lost"],
            "deal_ref": "SO-1",
            "due_at": "2030-01-02T10:00:00Z",
            "custom": {"order_value": 125.5, "carrier": "GHN"},
        },
    )

    assert status == 200, changed
    assert changed["category_path"] == ["Orders", "Delivery"]
    assert changed["owner_id"] == str(helper["_id"])
    assert changed["custom"] == {"order_value": 125.5, "carrier": "GHN"}
    assert changed["due_at"] == "2030-01-02T10:00:00.000Z"
    assert changed["revision"] == ticket["revision"] + 1
    _, history = await admin.get(f"/api/v1/tickets/{ticket['id']}/history")
    by_field = {e["field"]: e for e in history["items"]}
    assert by_field["status"]["before"] == "new" and by_field["status"]["after"] == "open"
    assert by_field["priority"]["before"] == "medium" and by_field["priority"]["after"] == "urgent"
    assert by_field["owner_id"]["after"] == str(helper["_id"])
    assert {"title", "summary", "team_id", "tags", "deal_ref", "due_at", "custom"} <= set(by_field)
    assert all(e["actor"]["name"] == "Ada Admin" for e in history["items"][1:])


async def test_attachments_uploaded_by_the_agent_join_the_ticket(http, admin, telegram_channel):
    await customer_writes(http, telegram_channel, 7, "invoice please")
    ticket = await promote(admin, (await conversation_of(admin))["id"], "Invoice")
    form = aiohttp.FormData()
    form.add_field(
        "file", b"%PDF-1.4 invoice", filename="invoice.pdf", content_type="application/pdf"
    )
    status, uploaded = await admin.post("/api/v1/files", data=form)
    assert status == 201, uploaded

    status, changed = await admin.patch(
        f"/api/v1/tickets/{ticket['id']}", json={"attachment_ids": [uploaded["id"]]}
    )

    assert status == 200, changed
    assert [a["name"] for a in changed["attachments"]] == ["invoice.pdf"]


# ---- refused changes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "change", "expected"),
    [
        ("new", {"status": "reopened"}, (422, "invalid")),
        ("resolved", {"status": "pending"}, (422, "invalid_transition")),
        ("resolved", {"status": "on_hold"}, (422, "invalid_transition")),
        ("closed", {"status": "open"}, (409, "ticket_closed")),
        ("closed", {"status": "resolved"}, (409, "ticket_closed")),
        ("new", {"status": None}, (422, "invalid")),
        ("new", {"title": ""}, (422, "invalid")),
        ("new", {"title": None}, (422, "invalid")),
        ("new", {"priority": "soon"}, (422, "invalid")),
        ("new", {"priority": None}, (422, "invalid")),
        ("new", {"assignee_ids": ["not-an-id"]}, (404, "not_found")),
        ("new", {"assignee_ids": ["0123456789abcdef01234567"]}, (404, "not_found")),
        ("new", {"team_id": "0123456789abcdef01234567"}, (404, "not_found")),
        ("new", {"category_id": "0123456789abcdef01234567"}, (404, "not_found")),
        ("new", {"owner_id": 12}, (422, "invalid")),
        ("new", {"tags": "urgent"}, (422, "invalid")),
        ("new", {"due_at": "tomorrow"}, (422, "invalid")),
        ("new", {"due_at": "2030-01-01T10:00:00"}, (422, "invalid")),  # no time zone
        ("new", {"custom": {"nope": 1}}, (422, "invalid")),
        ("new", {"colour": "red"}, (422, "invalid")),
        ("new", {"attachment_ids": ["0123456789abcdef01234567"]}, (404, "not_found")),
    ],
)
async def test_refused_changes_answer_4xx_json_and_leave_the_ticket_unchanged(
    http, admin, telegram_channel, before, change, expected
):
    await customer_writes(http, telegram_channel, 7, "help")
    ticket = await promote(admin, (await conversation_of(admin))["id"], "Help")
    if before != "new":
        status, ticket = await admin.patch(
            f"/api/v1/tickets/{ticket['id']}", json={"status": before}
        )
        assert status == 200, ticket

    status, body = await admin.patch(f"/api/v1/tickets/{ticket['id']}", json=change)

    assert status == expected[0], body
    assert set(body) == {"error"} and body["error"]["message"]
    if expected[1]:
        assert body["error"]["code"] == expected[1]
    _, after = await admin.get(f"/api/v1/tickets/{ticket['id']}")
    assert after == ticket


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/api/v1/tickets/0123456789abcdef01234567", None, 404),
        ("/api/v1/tickets/T-999999", None, 404),
        ("/api/v1/tickets/zzz", None, 404),
    ],
)
async def test_unknown_tickets_are_404(admin, path, body, status):
    got, answer = await admin.get(path)
    assert got == status and "error" in answer


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"title": ""},
        {"title": "x" * 201},
        {"title": 5},
        {"title": "ok", "priority": "whenever"},
        {"title": "ok", "unknown": 1},
    ],
)
async def test_promoting_with_bad_fields_is_refused_and_makes_no_ticket(
    http, admin, telegram_channel, body
):
    await customer_writes(http, telegram_channel, 7, "help")
    conversation = await conversation_of(admin)

    status, answer = await admin.post(
        f"/api/v1/conversations/{conversation['id']}/ticket", json=body
    )

    assert status == 422, answer
    _, listed = await admin.get("/api/v1/tickets?view=all&status=all")
    assert listed["items"] == []
    _, again = await admin.get(f"/api/v1/conversations/{conversation['id']}")
    assert again["ticket_id"] is None


async def test_creating_requires_a_known_contact_and_their_own_conversation(
    http, admin, telegram_channel
):
    await customer_writes(http, telegram_channel, 1, "one")
    await customer_writes(http, telegram_channel, 2, "two")
    _, page = await admin.get("/api/v1/conversations")
    one, two = page["items"]

    missing = await admin.post("/api/v1/tickets", json={"title": "x"})
    unknown = await admin.post(
        "/api/v1/tickets", json={"title": "x", "contact_id": "0123456789abcdef01234567"}
    )
    mismatched = await admin.post(
        "/api/v1/tickets",
        json={"title": "x", "contact_id": one["contact"]["id"], "conversation_id": two["id"]},
    )

    assert missing[0] == 422 and "contact_id" in missing[1]["error"]["message"]
    assert unknown[0] == 404
    assert mismatched[0] == 422


async def test_required_custom_fields_must_be_given_when_creating(http, admin, telegram_channel):
    await admin.post(
        "/api/v1/ticket-fields",
        json={"key": "store", "label": "Store", "type": "text", "required": True},
    )
    await customer_writes(http, telegram_channel, 7, "help")
    conversation = await conversation_of(admin)
    path = f"/api/v1/conversations/{conversation['id']}/ticket"

    refused = await admin.post(path, json={"title": "x"})
    wrong_type = await admin.post(path, json={"title": "x", "custom": {"store": 12}})
    accepted = await admin.post(path, json={"title": "x", "custom": {"store": "Hà Nội"}})

    assert refused[0] == 422 and refused[1]["error"]["details"][0]["field"] == "custom.store"
    assert wrong_type[0] == 422
    assert accepted[0] == 201 and accepted[1]["custom"] == {"store": "Hà Nội"}


# ---- customers reopening, visibility -----------------------------------------------------------


@pytest.mark.parametrize("status", ["pending", "resolved", "closed"])
async def test_a_customer_writing_again_reopens_the_ticket(http, admin, telegram_channel, status):
    await customer_writes(http, telegram_channel, 7, "help", message_id=1)
    ticket = await promote(admin, (await conversation_of(admin))["id"], "Help")
    await admin.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": status})

    await customer_writes(http, telegram_channel, 7, "Still broken", message_id=2)

    async def reopened() -> dict[str, Any] | None:
        _, now = await admin.get(f"/api/v1/tickets/{ticket['id']}")
        return now if now["status"] == "open" else None

    now = await eventually(reopened)
    assert now["resolved_at"] is None and now["closed_at"] is None
    texts = [m["text"] for m in await thread(admin, ticket["id"])]
    assert "Still broken" in texts
    _, history = await admin.get(f"/api/v1/tickets/{ticket['id']}/history")
    assert history["items"][-1]["actor"]["type"] == "contact"


async def test_resolving_the_ticket_resolves_its_conversation(http, admin, telegram_channel):
    await customer_writes(http, telegram_channel, 7, "help")
    conversation = await conversation_of(admin)
    ticket = await promote(admin, conversation["id"], "Help")

    await admin.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": "resolved"})

    _, after = await admin.get(f"/api/v1/conversations/{conversation['id']}")
    assert after["status"] == "resolved"


async def test_agents_see_tickets_of_their_teams_and_their_own_only(
    http, admin, rt, server, telegram_channel
):
    _, sales = await admin.post("/api/v1/teams", json={"name": "Sales"})
    _, support = await admin.post("/api/v1/teams", json={"name": "Support"})
    outsider = await agent_client(rt, server, "out@example.com", [support["id"]])
    await customer_writes(http, telegram_channel, 7, "help")
    ticket = await promote(admin, (await conversation_of(admin))["id"], "Help")
    await admin.patch(f"/api/v1/tickets/{ticket['id']}", json={"team_id": sales["id"]})

    hidden = await outsider.get(f"/api/v1/tickets/{ticket['id']}")
    _, listed = await outsider.get("/api/v1/tickets?view=all&status=all")
    await admin.patch(
        f"/api/v1/tickets/{ticket['id']}", json={"assignee_ids": [str(outsider.agent["_id"])]}
    )
    shown = await outsider.get(f"/api/v1/tickets/{ticket['id']}")

    assert hidden[0] == 404 and listed["items"] == []
    assert shown[0] == 200
    await outsider.session.close()


async def test_a_customer_message_handled_late_does_not_reopen_a_ticket_set_aside_after_it(
    http, admin, rt, telegram_channel
):
    await customer_writes(http, telegram_channel, 7, "help", message_id=1)
    conversation = await conversation_of(admin)
    ticket = await promote(admin, conversation["id"], "Help")
    _, page = await admin.get(f"/api/v1/conversations/{conversation['id']}/messages")
    written_before = next(m for m in page["items"] if m["direction"] == "in")
    await admin.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": "pending"})

    late = {
        "type": "message.created",
        "subject": {"type": "message", "id": ObjectId(written_before["id"])},
    }
    await ticket_followup.on_event(rt, late)

    _, after = await admin.get(f"/api/v1/tickets/{ticket['id']}")
    assert after["status"] == "pending"
