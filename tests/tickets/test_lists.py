"""The ticket lists: default order, filters, search, paging, saved views, bulk changes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Client, customer_writes, eventually
from tests.tickets.helpers import agent_client, conversation_of, promote


@pytest.fixture
async def contact_id(http, admin, telegram_channel) -> str:
    await customer_writes(http, telegram_channel, 7, "hello")
    return (await conversation_of(admin))["contact"]["id"]


async def open_ticket(client: Client, contact_id: str, title: str, **fields: Any) -> dict:
    status, ticket = await client.post(
        "/api/v1/tickets", json={"title": title, "contact_id": contact_id, **fields}
    )
    assert status == 201, ticket
    return ticket


async def titles(client: Client, query: str = "") -> list[str]:
    status, page = await client.get(f"/api/v1/tickets?{query}")
    assert status == 200, page
    return [t["title"] for t in page["items"]]


async def test_my_open_tickets_come_due_soonest_first_then_by_priority(admin, contact_id):
    await open_ticket(admin, contact_id, "low, no due", priority="low")
    await open_ticket(admin, contact_id, "urgent, no due", priority="urgent")
    await open_ticket(admin, contact_id, "due later", due_at="2031-01-01T00:00:00Z")
    await open_ticket(admin, contact_id, "overdue", due_at="2020-01-01T00:00:00Z")
    await open_ticket(
        admin, contact_id, "due soon, high", priority="high", due_at="2030-01-01T00:00:00Z"
    )
    await open_ticket(
        admin, contact_id, "due soon, low", priority="low", due_at="2030-01-01T00:00:00Z"
    )
    done = await open_ticket(admin, contact_id, "resolved one")
    await admin.patch(f"/api/v1/tickets/{done['id']}", json={"status": "resolved"})
    first_newer = await open_ticket(admin, contact_id, "medium, no due, newer")
    assert first_newer

    assert await titles(admin) == [
        "overdue",
        "due soon, high",
        "due soon, low",
        "due later",
        "urgent, no due",
        "medium, no due, newer",
        "low, no due",
    ]


async def test_filters(admin, rt, contact_id, telegram_channel, http):
    _, team = await admin.post("/api/v1/teams", json={"name": "Billing"})
    _, root = await admin.post("/api/v1/categories", json={"name": "Payments"})
    _, child = await admin.post(
        "/api/v1/categories", json={"name": "Refunds", "parent_id": root["id"]}
    )
    await open_ticket(admin, contact_id, "refund", category_id=child["id"], tags=["vip"])
    await open_ticket(admin, contact_id, "billing", team_id=team["id"], priority="high")
    await open_ticket(admin, contact_id, "unassigned", assignee_ids=[])
    pending = await open_ticket(admin, contact_id, "waiting")
    await admin.patch(f"/api/v1/tickets/{pending['id']}", json={"status": "pending"})
    promoted = await promote(admin, (await conversation_of(admin))["id"], "from telegram")
    assert promoted["channel"]["id"] == telegram_channel["id"]

    everyone = "view=all&"
    assert set(await titles(admin, everyone + "status=pending")) == {"waiting"}
    assert set(await titles(admin, everyone + "priority=high")) == {"billing"}
    assert set(await titles(admin, everyone + f"team={team['id']}")) == {"billing"}
    assert set(await titles(admin, everyone + f"category={root['id']}")) == {"refund"}
    assert set(await titles(admin, everyone + f"category={child['id']}")) == {"refund"}
    assert set(await titles(admin, everyone + "tag=vip")) == {"refund"}
    assert set(await titles(admin, everyone + "assignee=none")) == {"unassigned", "from telegram"}
    assert set(await titles(admin, everyone + f"channel={telegram_channel['id']}")) == {
        "from telegram"
    }
    assert "unassigned" not in await titles(admin)  # "mine" by default
    assert len(await titles(admin, everyone + "status=all")) == 5
    assert await titles(admin, everyone + "created_from=2099-01-01T00:00:00Z") == []
    assert len(await titles(admin, everyone + "created_to=2099-01-01T00:00:00Z")) == 5


@pytest.mark.parametrize(
    "query", ["status=later", "priority=soon", "team=nope", "created_from=yesterday", "limit=0"]
)
async def test_bad_filters_are_4xx(admin, query):
    status, body = await admin.get(f"/api/v1/tickets?{query}")
    assert 400 <= status < 500 and "error" in body


async def test_search_finds_words_of_title_summary_and_messages_without_diacritics(
    http, admin, telegram_channel, contact_id
):
    await open_ticket(admin, contact_id, "Đơn hàng giao chậm", summary="Khách ở Hà Nội")
    await open_ticket(admin, contact_id, "Refund for order 4411")
    conversation = await conversation_of(admin)
    promoted = await promote(admin, conversation["id"], "Telegram question")
    await customer_writes(http, telegram_channel, 7, "Mã giảm giá không dùng được", message_id=9)

    assert await titles(admin, "view=all&q=don hang") == ["Đơn hàng giao chậm"]
    assert await titles(admin, "view=all&q=ĐƠN HÀNG") == ["Đơn hàng giao chậm"]
    assert await titles(admin, "view=all&q=ha noi") == ["Đơn hàng giao chậm"]
    assert await titles(admin, "view=all&q=refund 4411") == ["Refund for order 4411"]
    assert await titles(admin, "view=all&q=refund 9999") == []
    assert await titles(admin, f"view=all&q={promoted['number']}") == ["Telegram question"]

    async def found_by_message() -> list[str]:
        return await titles(admin, "view=all&q=ma giam gia")

    assert await eventually(found_by_message) == ["Telegram question"]


async def test_paging_walks_every_ticket_once(admin, contact_id):
    for n in range(23):
        priority = ["urgent", "high", "medium", "low"][n % 4]
        await open_ticket(admin, contact_id, f"t{n}", priority=priority)

    seen, cursor = [], None
    while True:
        path = "/api/v1/tickets?limit=5" + (f"&cursor={cursor}" if cursor else "")
        status, page = await admin.get(path)
        assert status == 200, page
        seen.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert sorted(t["title"] for t in seen) == sorted(f"t{n}" for n in range(23))
    ranks = [["urgent", "high", "medium", "low"].index(t["priority"]) for t in seen]
    assert ranks == sorted(ranks)


async def test_team_view_shows_the_leads_teams_tickets(admin, rt, server, contact_id):
    _, team = await admin.post("/api/v1/teams", json={"name": "Billing"})
    _, other = await admin.post("/api/v1/teams", json={"name": "Sales"})
    lead = await agent_client(rt, server, "lead@example.com", [team["id"]])
    await open_ticket(admin, contact_id, "billing one", team_id=team["id"])
    await open_ticket(admin, contact_id, "sales one", team_id=other["id"])
    await open_ticket(admin, contact_id, "no team")

    assert await titles(lead, "view=team") == ["billing one"]
    assert await titles(lead) == []  # nothing assigned to the lead personally
    await lead.session.close()


async def test_saved_views(admin, contact_id):
    await open_ticket(admin, contact_id, "urgent thing", priority="urgent")
    await open_ticket(admin, contact_id, "calm thing", priority="low")

    status, view = await admin.post(
        "/api/v1/ticket-views", json={"name": "Fires", "query": {"priority": "urgent,high"}}
    )
    duplicate = await admin.post(
        "/api/v1/ticket-views", json={"name": "Fires", "query": {"priority": "low"}}
    )
    invalid = await admin.post(
        "/api/v1/ticket-views", json={"name": "Bad", "query": {"colour": "red"}}
    )
    _, listed = await admin.get("/api/v1/ticket-views")

    assert status == 201
    assert duplicate[0] == 409 and invalid[0] == 422
    assert [v["name"] for v in listed["items"]] == ["Fires"]
    query = "&".join(f"{k}={v}" for k, v in listed["items"][0]["query"].items())
    assert await titles(admin, query) == ["urgent thing"]
    assert (await admin.delete(f"/api/v1/ticket-views/{view['id']}"))[0] == 204
    _, listed = await admin.get("/api/v1/ticket-views")
    assert listed["items"] == []


async def test_bulk_update_changes_each_ticket_and_reports_the_refused_ones(admin, rt, contact_id):
    first = await open_ticket(admin, contact_id, "one")
    second = await open_ticket(admin, contact_id, "two")
    closed = await open_ticket(admin, contact_id, "closed")
    await admin.patch(f"/api/v1/tickets/{closed['id']}", json={"status": "closed"})

    status, result = await admin.post(
        "/api/v1/tickets/bulk",
        json={
            "ids": [first["id"], second["id"], closed["id"], "0123456789abcdef01234567"],
            "changes": {"status": "pending", "priority": "high"},
        },
    )

    assert status == 200, result
    assert {t["id"] for t in result["updated"]} == {first["id"], second["id"]}
    assert all(t["status"] == "pending" and t["priority"] == "high" for t in result["updated"])
    failures = {f["id"]: f["code"] for f in result["failed"]}
    assert failures == {closed["id"]: "ticket_closed", "0123456789abcdef01234567": "not_found"}
    refused = await admin.post(
        "/api/v1/tickets/bulk", json={"ids": [first["id"]], "changes": {"title": "x"}}
    )
    assert refused[0] == 422
