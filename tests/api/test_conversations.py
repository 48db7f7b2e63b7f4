"""Working conversations through the API: lists, filters, paging, status, assignment, visibility."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from inbox.models.agents import Role
from inbox.services import conversations as conversation_service
from tests.conftest import Client, customer_writes, make_agent


async def first_conversation(client: Client, **filters: str) -> dict:
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    status, page = await client.get(f"/api/v1/conversations?{query}")
    assert status == 200, page
    return page["items"][0]


async def activities(client: Client, conversation_id: str) -> list[dict]:
    _, page = await client.get(f"/api/v1/conversations/{conversation_id}/messages")
    return [m["activity"] for m in page["items"] if m["kind"] == "activity"]


async def test_lists_are_paged_newest_first_without_gaps_or_repeats(http, admin, telegram_channel):
    for chat in range(1, 24):
        await customer_writes(http, telegram_channel, chat, f"hello {chat}")

    seen, cursor = [], None
    while True:
        path = "/api/v1/conversations?limit=10" + (f"&cursor={cursor}" if cursor else "")
        status, page = await admin.get(path)
        assert status == 200
        seen.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert len(seen) == 23
    assert len({c["id"] for c in seen}) == 23
    times = [c["last_message_at"] for c in seen]
    assert times == sorted(times, reverse=True)


async def test_filters_by_status_assignee_team_and_channel(http, admin, telegram_channel):
    await customer_writes(http, telegram_channel, 1, "one")
    await customer_writes(http, telegram_channel, 2, "two")
    _, team = await admin.post("/api/v1/teams", json={"name": "Billing"})
    one = await first_conversation(admin)
    await admin.patch(
        f"/api/v1/conversations/{one['id']}",
        json={"assignee_id": str(admin.agent["_id"]), "team_id": team["id"], "status": "pending"},
    )

    async def ids(query: str) -> list[str]:
        _, page = await admin.get(f"/api/v1/conversations?{query}")
        return [c["id"] for c in page["items"]]

    assert await ids("status=pending") == [one["id"]]
    assert len(await ids("status=open,pending")) == 2
    assert await ids("assignee=me") == [one["id"]]
    assert one["id"] not in await ids("assignee=none")
    assert await ids(f"team={team['id']}") == [one["id"]]
    assert len(await ids("team=none")) == 1
    assert len(await ids(f"channel={telegram_channel['id']}")) == 2
    status, body = await admin.get("/api/v1/conversations?status=closed")
    assert status == 422
    assert "closed" in body["error"]["message"]


async def test_each_change_is_recorded_in_the_thread_and_as_one_event(
    http, admin, rt, telegram_channel
):
    await customer_writes(http, telegram_channel, 1, "hi")
    conversation = await first_conversation(admin)
    _, team = await admin.post("/api/v1/teams", json={"name": "Support"})

    status, updated = await admin.patch(
        f"/api/v1/conversations/{conversation['id']}",
        json={
            "status": "pending",
            "assignee_id": str(admin.agent["_id"]),
            "team_id": team["id"],
            "priority": "high",
        },
    )

    assert status == 200
    assert (updated["status"], updated["priority"], updated["team_id"]) == (
        "pending",
        "high",
        team["id"],
    )
    assert await activities(admin, conversation["id"]) == [
        {"field": "status", "from": "open", "to": "pending"},
        {"field": "assignee_id", "from": None, "to": str(admin.agent["_id"])},
        {"field": "team_id", "from": None, "to": team["id"]},
        {"field": "priority", "from": None, "to": "high"},
    ]
    event = await rt.store.db["events"].find_one({"type": "conversation.updated"})
    assert set(event["changes"]) == {"status", "assignee_id", "team_id", "priority"}
    assert event["actor"] == {"type": "agent", "id": str(admin.agent["_id"]), "name": "Ada Admin"}


async def test_a_change_to_the_same_value_records_nothing(http, admin, rt, telegram_channel):
    await customer_writes(http, telegram_channel, 1, "hi")
    conversation = await first_conversation(admin)

    status, _ = await admin.patch(
        f"/api/v1/conversations/{conversation['id']}", json={"status": "open"}
    )

    assert status == 200
    assert await activities(admin, conversation["id"]) == []


async def test_invalid_changes_are_refused_and_change_nothing(http, admin, telegram_channel):
    await customer_writes(http, telegram_channel, 1, "hi")
    conversation = await first_conversation(admin)
    path = f"/api/v1/conversations/{conversation['id']}"
    cases = [
        ({"status": "closed"}, 422),
        ({"status": None}, 422),
        ({"priority": "critical"}, 422),
        ({"assignee_id": "0123456789abcdef01234567"}, 404),
        ({"team_id": "nope"}, 404),
        ({"snoozed_until": "2030-01-01T00:00:00Z"}, 422),
        ({"status": "snoozed", "snoozed_until": "tomorrow"}, 422),
    ]
    for body, expected in cases:
        status, answer = await admin.patch(path, json=body)
        assert status == expected, (body, answer)
    assert await first_conversation(admin) == conversation
    assert await activities(admin, conversation["id"]) == []


async def test_a_customer_message_wakes_a_pending_conversation(http, admin, telegram_channel):
    await customer_writes(http, telegram_channel, 1, "hi", message_id=1)
    conversation = await first_conversation(admin)
    await admin.patch(f"/api/v1/conversations/{conversation['id']}", json={"status": "pending"})

    await customer_writes(http, telegram_channel, 1, "any news?", message_id=2)

    woken = await first_conversation(admin)
    assert woken["id"] == conversation["id"]
    assert woken["status"] == "open"
    assert (await activities(admin, conversation["id"]))[-1] == {
        "field": "status",
        "from": "pending",
        "to": "open",
    }


async def test_after_resolving_the_next_message_opens_a_new_conversation(
    http, admin, telegram_channel
):
    await customer_writes(http, telegram_channel, 1, "hi", message_id=1)
    old = await first_conversation(admin)
    await admin.patch(f"/api/v1/conversations/{old['id']}", json={"status": "resolved"})

    await customer_writes(http, telegram_channel, 1, "new problem", message_id=2)

    new = await first_conversation(admin, status="open")
    assert new["id"] != old["id"]
    assert new["contact"]["id"] == old["contact"]["id"]
    status, body = await admin.patch(f"/api/v1/conversations/{old['id']}", json={"status": "open"})
    assert status == 409
    assert body["error"]["code"] == "newer_conversation_open"


async def test_a_snoozed_conversation_reopens_when_its_time_comes(
    http, admin, rt, telegram_channel
):
    await customer_writes(http, telegram_channel, 1, "hi")
    conversation = await first_conversation(admin)
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    status, snoozed = await admin.patch(
        f"/api/v1/conversations/{conversation['id']}",
        json={"status": "snoozed", "snoozed_until": soon},
    )
    assert (status, snoozed["status"]) == (200, "snoozed")

    assert await conversation_service.wake_snoozed(rt) == 0
    await rt.store.db["conversations"].update_one(
        {}, {"$set": {"snoozed_until": datetime.now(UTC) - timedelta(seconds=1)}}
    )
    assert await conversation_service.wake_snoozed(rt) == 1

    woken = await first_conversation(admin)
    assert (woken["status"], woken["snoozed_until"]) == ("open", None)


async def test_replying_to_an_unassigned_conversation_takes_it(http, admin, telegram_channel):
    await customer_writes(http, telegram_channel, 1, "hi")
    conversation = await first_conversation(admin)

    await admin.post(
        f"/api/v1/conversations/{conversation['id']}/messages", json={"text": "Hello!"}
    )

    taken = await first_conversation(admin)
    assert taken["assignee_id"] == str(admin.agent["_id"])
    assert taken["last_message"]["text"] == "Hello!"
    assert taken["unread_count"] == 0


async def test_reading_clears_the_unread_count(http, admin, telegram_channel):
    await customer_writes(http, telegram_channel, 1, "one", message_id=1)
    await customer_writes(http, telegram_channel, 1, "two", message_id=2)
    conversation = await first_conversation(admin)
    assert conversation["unread_count"] == 2

    status, read = await admin.post(f"/api/v1/conversations/{conversation['id']}/read")

    assert (status, read["unread_count"]) == (200, 0)


async def test_messages_page_in_both_directions(http, admin, telegram_channel):
    for number in range(1, 8):
        await customer_writes(http, telegram_channel, 1, f"message {number}", message_id=number)
    conversation = await first_conversation(admin)
    path = f"/api/v1/conversations/{conversation['id']}/messages"

    _, oldest = await admin.get(f"{path}?limit=3")
    _, newest = await admin.get(f"{path}?limit=3&order=desc")
    _, older = await admin.get(f"{path}?limit=3&order=desc&cursor={newest['next_cursor']}")

    assert [m["text"] for m in oldest["items"]] == ["message 1", "message 2", "message 3"]
    assert [m["text"] for m in newest["items"]] == ["message 7", "message 6", "message 5"]
    assert [m["text"] for m in older["items"]] == ["message 4", "message 3", "message 2"]


async def test_agents_see_their_teams_the_shared_queue_and_their_own(
    http, admin, rt, server, telegram_channel
):
    from aiohttp import ClientSession

    from inbox.auth import issue_token

    _, billing = await admin.post("/api/v1/teams", json={"name": "Billing"})
    _, support = await admin.post("/api/v1/teams", json={"name": "Support"})
    lan = await make_agent(rt, "lan@example.com", Role.AGENT, team_ids=[support["id"]])
    token, _ = await issue_token(rt, lan["_id"], "t")
    for chat in (1, 2, 3, 4):
        await customer_writes(http, telegram_channel, chat, f"chat {chat}")
    _, page = await admin.get("/api/v1/conversations")
    by_chat = {c["last_message"]["text"]: c["id"] for c in page["items"]}
    await admin.patch(f"/api/v1/conversations/{by_chat['chat 1']}", json={"team_id": billing["id"]})
    await admin.patch(f"/api/v1/conversations/{by_chat['chat 2']}", json={"team_id": support["id"]})
    await admin.patch(
        f"/api/v1/conversations/{by_chat['chat 3']}",
        json={"team_id": billing["id"], "assignee_id": str(lan["_id"])},
    )

    async with ClientSession() as session:
        lan_client = Client(session, server.url, token)
        _, visible = await lan_client.get("/api/v1/conversations")
        hidden_status, _ = await lan_client.get(f"/api/v1/conversations/{by_chat['chat 1']}")
        reply_status, _ = await lan_client.post(
            f"/api/v1/conversations/{by_chat['chat 1']}/messages", json={"text": "x"}
        )

    assert {c["id"] for c in visible["items"]} == {
        by_chat["chat 2"],
        by_chat["chat 3"],
        by_chat["chat 4"],
    }
    assert hidden_status == 404
    assert reply_status == 404


async def test_the_unread_count_and_preview_follow_the_thread(http, admin, telegram_channel):
    await customer_writes(http, telegram_channel, 1, "first", message_id=1)
    conversation = await first_conversation(admin)
    await admin.post(
        f"/api/v1/conversations/{conversation['id']}/messages",
        json={"text": "note", "private": True},
    )

    unchanged = await first_conversation(admin)

    assert unchanged["last_message"]["text"] == "first"
    assert unchanged["unread_count"] == 1
