"""Agents working together: merging and linking tickets, mentions, collision warnings."""

from __future__ import annotations

from tests.conftest import customer_writes, make_agent
from tests.live import connect, event, wait_for
from tests.tickets.helpers import agent_client, conversation_of, promote, thread


async def two_tickets(http, admin, telegram_channel) -> tuple[dict, dict]:
    await customer_writes(http, telegram_channel, 1, "My parcel is late", message_id=1)
    first = await promote(admin, (await conversation_of(admin))["id"], "Parcel late", tags=["a"])
    await customer_writes(http, telegram_channel, 2, "Where is my parcel?", message_id=2)
    second = await promote(admin, (await conversation_of(admin))["id"], "Parcel?", tags=["b"])
    return first, second


async def test_merging_joins_threads_and_history_and_leaves_the_other_read_only(
    http, admin, telegram_channel
):
    first, second = await two_tickets(http, admin, telegram_channel)
    await admin.post(
        f"/api/v1/tickets/{second['id']}/messages", json={"text": "dup?", "private": True}
    )

    status, survivor = await admin.post(
        f"/api/v1/tickets/{second['id']}/merge", json={"into": first["number"]}
    )

    assert status == 200, survivor
    assert survivor["id"] == first["id"]
    assert set(survivor["conversation_ids"]) == {
        *first["conversation_ids"],
        *second["conversation_ids"],
    }
    assert set(survivor["tags"]) == {"a", "b"}
    texts = {m["text"] for m in await thread(admin, first["id"])}
    assert {"My parcel is late", "Where is my parcel?", "dup?"} <= texts
    _, history = await admin.get(f"/api/v1/tickets/{first['id']}/history")
    fields = [e["field"] for e in history["items"]]
    assert fields.count("created") == 2 and "merged" in fields and "merged_into" in fields
    _, merged = await admin.get(f"/api/v1/tickets/{second['id']}")
    assert merged["merged_into"] == first["id"] and merged["status"] == "closed"
    _, conversation = await admin.get(f"/api/v1/conversations/{second['conversation_ids'][0]}")
    assert conversation["ticket_id"] == first["id"]

    read_only = await admin.patch(f"/api/v1/tickets/{second['id']}", json={"title": "x"})
    no_note = await admin.post(
        f"/api/v1/tickets/{second['id']}/messages", json={"text": "x", "private": True}
    )
    again = await admin.post(f"/api/v1/tickets/{second['id']}/merge", json={"into": first["id"]})
    itself = await admin.post(f"/api/v1/tickets/{first['id']}/merge", json={"into": first["id"]})
    assert read_only[0] == 409 and read_only[1]["error"]["code"] == "ticket_merged"
    assert no_note[0] == 409 and again[0] == 409 and itself[0] == 422


async def test_links_show_on_both_tickets_and_can_be_removed(http, admin, telegram_channel):
    first, second = await two_tickets(http, admin, telegram_channel)

    status, linked = await admin.post(
        f"/api/v1/tickets/{first['id']}/links", json={"ticket_id": second["id"]}
    )
    _, other = await admin.get(f"/api/v1/tickets/{second['id']}")

    assert status == 200 and linked["links"] == [second["id"]]
    assert other["links"] == [first["id"]]
    status, unlinked = await admin.delete(f"/api/v1/tickets/{second['id']}/links/{first['id']}")
    assert status == 200 and unlinked["links"] == []
    _, first_now = await admin.get(f"/api/v1/tickets/{first['id']}")
    assert first_now["links"] == []
    _, history = await admin.get(f"/api/v1/tickets/{first['id']}/history")
    assert [e["field"] for e in history["items"]].count("link") == 2
    self_link = await admin.post(
        f"/api/v1/tickets/{first['id']}/links", json={"ticket_id": first["id"]}
    )
    assert self_link[0] == 422


async def test_a_mention_in_a_note_notifies_the_agent_live_and_in_the_unread_list(
    http, admin, rt, server, telegram_channel
):
    _, team = await admin.post("/api/v1/teams", json={"name": "Support"})
    colleague = await agent_client(rt, server, "bea@example.com", [team["id"]])
    await customer_writes(http, telegram_channel, 1, "help")
    ticket = await promote(admin, (await conversation_of(admin))["id"], "Help", team_id=team["id"])
    ws = await connect(colleague)

    status, note = await admin.post(
        f"/api/v1/tickets/{ticket['id']}/messages",
        json={
            "text": "@Bea can you check the carrier?",
            "private": True,
            "mentions": [str(colleague.agent["_id"])],
        },
    )

    assert status == 201, note
    live = await wait_for(ws, event("notification.created", kind="mention"))
    assert live["data"]["ticket_id"] == ticket["id"]
    assert live["data"]["message_id"] == note["id"]
    assert "can you check the carrier" in live["data"]["text"]
    _, unread = await colleague.get("/api/v1/notifications?unread=true")
    assert unread["unread"] == 1 and unread["items"][0]["id"] == live["data"]["id"]
    _, admins = await admin.get("/api/v1/notifications")
    assert admins["items"] == []  # private to the mentioned agent
    status, read = await colleague.post(f"/api/v1/notifications/{live['data']['id']}/read")
    assert status == 200 and read["read_at"] is not None
    _, unread = await colleague.get("/api/v1/notifications?unread=true")
    assert unread["unread"] == 0 and unread["items"] == []
    await ws.close()
    await colleague.session.close()


async def test_mentions_are_refused_in_replies_and_for_agents_who_cannot_see(
    http, admin, rt, telegram_channel
):
    _, sales = await admin.post("/api/v1/teams", json={"name": "Sales"})
    _, support = await admin.post("/api/v1/teams", json={"name": "Support"})
    outsider = await make_agent(rt, "out@example.com", team_ids=[support["id"]])
    await customer_writes(http, telegram_channel, 1, "help")
    conversation = await conversation_of(admin)
    await admin.patch(f"/api/v1/conversations/{conversation['id']}", json={"team_id": sales["id"]})
    path = f"/api/v1/conversations/{conversation['id']}/messages"

    in_reply = await admin.post(path, json={"text": "hi", "mentions": [str(outsider["_id"])]})
    hidden = await admin.post(
        path, json={"text": "look", "private": True, "mentions": [str(outsider["_id"])]}
    )

    assert in_reply[0] == 422
    assert hidden[0] == 422 and hidden[1]["error"]["code"] == "mention_not_visible"


async def test_assigning_a_ticket_notifies_the_new_assignee(http, admin, rt, telegram_channel):
    bea = await make_agent(rt, "bea@example.com", name="Bea")
    await customer_writes(http, telegram_channel, 1, "help")
    ticket = await promote(admin, (await conversation_of(admin))["id"], "Help")

    await admin.patch(f"/api/v1/tickets/{ticket['id']}", json={"assignee_ids": [str(bea["_id"])]})

    found = await rt.store["notifications"].find({"agent_id": bea["_id"]}).to_list(None)
    assert [n["kind"] for n in found] == ["assigned"]
    assert ticket["number"] in found[0]["text"]


async def test_presence_on_a_ticket_is_shared_between_two_agents(
    http, admin, rt, server, telegram_channel
):
    colleague = await agent_client(rt, server, "bea@example.com", [])
    await customer_writes(http, telegram_channel, 1, "help")
    ticket = await promote(admin, (await conversation_of(admin))["id"], "Help")
    await admin.patch(
        f"/api/v1/tickets/{ticket['id']}", json={"assignee_ids": [str(colleague.agent["_id"])]}
    )
    first, second = await connect(admin), await connect(colleague)

    await first.send_json({"type": "viewing", "ticket_id": ticket["id"]})
    seen = await wait_for(second, lambda m: m.get("type") == "presence")
    await second.send_json({"type": "viewing", "ticket_id": ticket["id"]})
    viewers = await wait_for(second, lambda m: m.get("type") == "viewers")
    await second.send_json({"type": "typing", "ticket_id": ticket["id"]})
    typing = await wait_for(first, lambda m: m.get("type") == "presence" and m["state"] == "typing")
    await second.close()
    left = await wait_for(first, lambda m: m.get("type") == "presence" and m["state"] == "left")

    assert seen["ticket_id"] == ticket["id"] and seen["state"] == "viewing"
    assert seen["agent"]["name"] == "Ada Admin"
    assert [a["name"] for a in viewers["agents"]] == ["Ada Admin"]
    assert typing["agent"]["id"] == str(colleague.agent["_id"])
    assert left["agent"]["id"] == str(colleague.agent["_id"])
    await first.close()
    await colleague.session.close()


async def test_presence_on_a_hidden_ticket_is_neither_recorded_nor_shared(
    http, admin, rt, server, telegram_channel
):
    _, sales = await admin.post("/api/v1/teams", json={"name": "Sales"})
    outsider = await agent_client(rt, server, "out@example.com", [])
    await customer_writes(http, telegram_channel, 1, "help")
    ticket = await promote(admin, (await conversation_of(admin))["id"], "Help", team_id=sales["id"])
    watcher = await connect(admin)
    ws = await connect(outsider)

    await ws.send_json({"type": "viewing", "ticket_id": ticket["id"]})
    await ws.send_json({"type": "ping"})
    await wait_for(ws, lambda m: m.get("type") == "pong")

    assert await rt.redis.hgetall(f"presence:ticket_id:{ticket['id']}") == {}
    await watcher.send_json({"type": "ping"})
    pong = await wait_for(watcher, lambda m: m.get("type") in ("pong", "presence"))
    assert pong["type"] == "pong"
    await ws.close()
    await watcher.close()
    await outsider.session.close()


async def test_a_reply_after_a_newer_customer_message_asks_for_confirmation(
    http, admin, telegram_channel, fake_telegram
):
    await customer_writes(http, telegram_channel, 1, "hello", message_id=1)
    conversation = await conversation_of(admin)
    _, page = await admin.get(f"/api/v1/conversations/{conversation['id']}/messages")
    seen_until = page["items"][-1]["created_at"]
    await customer_writes(http, telegram_channel, 1, "actually, cancel my order", message_id=2)
    path = f"/api/v1/conversations/{conversation['id']}/messages"

    status, refused = await admin.post(path, json={"text": "Shipped!", "seen_until": seen_until})
    assert status == 409 and refused["error"]["code"] == "customer_wrote_again"
    new = refused["error"]["details"]["new_messages"]
    assert [m["text"] for m in new] == ["actually, cancel my order"]

    up_to_date = await admin.post(
        path, json={"text": "Sorry!", "seen_until": new[-1]["created_at"]}
    )
    confirmed = await admin.post(
        path, json={"text": "Shipped anyway", "seen_until": seen_until, "confirm": True}
    )
    assert up_to_date[0] == 201 and confirmed[0] == 201
    texts = [m["text"] for m in await thread_of(admin, conversation["id"])]
    assert "Shipped!" not in texts and "Sorry!" in texts


async def thread_of(client, conversation_id: str) -> list[dict]:
    _, page = await client.get(f"/api/v1/conversations/{conversation_id}/messages")
    return page["items"]
