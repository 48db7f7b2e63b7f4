"""Contact records through the API: details, attributes, suggestions, profiles, visibility."""

from __future__ import annotations

from connectors.base import ChannelRef, Sender
from inbox.events import Actor
from inbox.services import conversations
from inbox.services.contacts import records
from tests.conftest import Client, customer_writes


async def _only_contact(client: Client) -> dict:
    status, page = await client.get("/api/v1/contacts")
    assert status == 200, page
    (contact,) = page["items"]
    return contact


async def test_details_are_normalised_and_a_bad_one_is_a_422_naming_it(admin):
    status, made = await admin.post(
        "/api/v1/contacts",
        json={
            "name": "Trần Thị Mai",
            "emails": [" Mai.Tran@Example.COM "],
            "phones": ["0912 345 678", "+84912345678"],
            "tags": ["vip", " vip ", "b2b"],
            "timezone": "Asia/Ho_Chi_Minh",
        },
    )
    assert status == 201, made
    assert made["emails"] == ["mai.tran@example.com"]
    assert made["phones"] == ["+84912345678"]
    assert made["tags"] == ["vip", "b2b"]
    assert made["identities"] == [] and made["merged_into"] is None

    status, refused = await admin.patch(
        f"/api/v1/contacts/{made['id']}",
        json={"emails": ["mai@example.com", "not an address"], "timezone": "Mars/Olympus"},
    )
    assert status == 422, refused
    assert {d["field"] for d in refused["error"]["details"]} == {"emails.1", "timezone"}
    _, unchanged = await admin.get(f"/api/v1/contacts/{made['id']}")
    assert unchanged["emails"] == ["mai.tran@example.com"]
    status, refused = await admin.patch(f"/api/v1/contacts/{made['id']}", json={"name": None})
    assert status == 422


async def test_custom_attributes_are_checked_and_filterable(admin, agent):
    for definition in (
        {"key": "plan", "label": "Plan", "type": "select", "options": ["gold", "free"]},
        {"key": "orders", "label": "Orders", "type": "number", "on_card": True},
        {"key": "birthday", "label": "Birthday", "type": "date"},
    ):
        status, body = await admin.post("/api/v1/contact-attributes", json=definition)
        assert status == 201, body
    status, _ = await agent.post(
        "/api/v1/contact-attributes", json={"key": "x", "label": "X", "type": "text"}
    )
    assert status == 403
    _, listed = await agent.get("/api/v1/contact-attributes")
    assert [(a["key"], a["on_card"]) for a in listed["items"]] == [
        ("plan", False),
        ("orders", True),
        ("birthday", False),
    ]
    _, gold = await admin.post("/api/v1/contacts", json={"name": "Gold"})
    _, free = await admin.post("/api/v1/contacts", json={"name": "Free"})
    status, body = await agent.patch(
        f"/api/v1/contacts/{gold['id']}",
        json={"attributes": {"plan": "gold", "orders": 12, "birthday": "1990-05-01"}},
    )
    assert status == 200, body
    await agent.patch(f"/api/v1/contacts/{free['id']}", json={"attributes": {"plan": "free"}})
    status, refused = await agent.patch(
        f"/api/v1/contacts/{gold['id']}",
        json={"attributes": {"plan": "platinum", "orders": "many", "shoe": 42}},
    )
    assert status == 422
    assert {d["field"] for d in refused["error"]["details"]} == {
        "attributes.plan",
        "attributes.orders",
        "attributes.shoe",
    }
    status, cleared = await agent.patch(
        f"/api/v1/contacts/{gold['id']}", json={"attributes": {"birthday": None}}
    )
    assert cleared["attributes"] == {"plan": "gold", "orders": 12}

    _, page = await agent.get("/api/v1/contacts?attribute=plan:gold")
    assert [c["name"] for c in page["items"]] == ["Gold"]
    status, refused = await agent.get("/api/v1/contacts?attribute=plan")
    assert status == 422, refused


async def test_merge_is_suggested_when_a_phone_or_email_matches_but_never_done(admin):
    _, zalo_person = await admin.post(
        "/api/v1/contacts", json={"name": "Zalo Lan", "phones": ["84901234567"]}
    )
    _, mail_person = await admin.post(
        "/api/v1/contacts",
        json={"name": "Lan Nguyen", "phones": ["0901 234 567"], "emails": ["lan@example.com"]},
    )
    _, stranger = await admin.post(
        "/api/v1/contacts", json={"name": "Other", "emails": ["other@example.com"]}
    )
    status, page = await admin.get(f"/api/v1/contacts/{zalo_person['id']}/suggestions")
    assert status == 200
    assert [(s["contact"]["id"], s["reasons"]) for s in page["items"]] == [
        (mail_person["id"], ["phone +84901234567"])
    ]
    _, page = await admin.get(f"/api/v1/contacts/{stranger['id']}/suggestions")
    assert page["items"] == []
    _, both = await admin.get("/api/v1/contacts")
    assert len(both["items"]) == 3  # suggested, not merged


async def test_profile_data_fills_empty_fields_and_never_overwrites_an_edit(rt, admin):
    channel = ChannelRef("0" * 24, "facebook", "Shop page", {}, "")
    first = await records.resolve(rt, channel, Sender("psid-1"))
    assert first["name"] == "Facebook user psid-1"
    await admin.patch(f"/api/v1/contacts/{first['_id']}", json={"name": "Chị Hoa (VIP)"})
    profile = Sender(
        "psid-1", name="Hoa Lê", avatar_url="https://cdn.example/p.jpg", phone="0987654321"
    )
    await records.complete_profile(rt, await records.get(rt, first["_id"]), profile)
    after = await records.get(rt, first["_id"])
    assert after["name"] == "Chị Hoa (VIP)"
    assert after["avatar_url"] == "https://cdn.example/p.jpg"
    assert after["phones"] == ["+84987654321"]

    untouched = await records.resolve(rt, channel, Sender("psid-2"))
    await records.complete_profile(rt, untouched, Sender("psid-2", name="Minh Vũ"))
    assert (await records.get(rt, untouched["_id"]))["name"] == "Minh Vũ"


async def test_a_profile_completed_before_the_conversation_opened_reaches_it(rt, admin):
    """The worker may name the contact between the webhook reading it and opening its
    conversation; the conversation must not keep the placeholder name, and both are found
    by the name the platform gave."""
    channel = ChannelRef("0" * 24, "zalo", "Shop OA", {}, "")
    placeholder = await records.resolve(rt, channel, Sender("zuid-1"))
    await records.complete_profile(rt, placeholder, Sender("zuid-1", name="Phạm Văn Tú"))
    thread = conversations.Thread("zuid-1", "message", "zuid-1")
    opener = Actor(type="contact", id=str(placeholder["_id"]), name=placeholder["name"])

    await conversations.open_thread(rt, channel, thread, placeholder, opener)

    _, page = await admin.get("/api/v1/conversations?q=Phạm")
    (listed,) = page["items"]
    assert listed["contact"]["name"] == "Phạm Văn Tú"
    _, page = await admin.get("/api/v1/contacts?q=pham van")
    assert [c["name"] for c in page["items"]] == ["Phạm Văn Tú"]


async def test_agents_see_contacts_of_what_they_may_see(http, admin, agent, telegram_channel):
    await customer_writes(http, telegram_channel, 1, "in the shared queue", name="Shared Person")
    await customer_writes(http, telegram_channel, 2, "for billing only", name="Billing Person")
    _, team = await admin.post("/api/v1/teams", json={"name": "Billing"})
    _, page = await admin.get("/api/v1/conversations")
    billing = next(c for c in page["items"] if c["contact"]["name"] == "Billing Person")
    await admin.patch(f"/api/v1/conversations/{billing['id']}", json={"team_id": team["id"]})
    _, walk_in = await admin.post("/api/v1/contacts", json={"name": "Walk In"})

    _, seen = await agent.get("/api/v1/contacts")
    assert sorted(c["name"] for c in seen["items"]) == ["Shared Person", "Walk In"]
    hidden = billing["contact"]["id"]
    for path in ("", "/conversations", "/tickets", "/suggestions"):
        status, _ = await agent.get(f"/api/v1/contacts/{hidden}{path}")
        assert status == 404, path
    status, _ = await agent.patch(f"/api/v1/contacts/{hidden}", json={"notes": "x"})
    assert status == 404
    status, _ = await agent.delete(f"/api/v1/contacts/{walk_in['id']}")
    assert status == 403
    _, everyone = await admin.get("/api/v1/contacts")
    assert len(everyone["items"]) == 3


async def test_the_contact_list_pages_and_filters_by_tag_channel_and_last_seen(
    http, admin, telegram_channel
):
    for chat in range(1, 8):
        await customer_writes(http, telegram_channel, chat, "hi", name=f"Person {chat}")
    await admin.post("/api/v1/contacts", json={"name": "Walk In", "tags": ["vip"]})
    seen, cursor = [], None
    while True:
        _, page = await admin.get(
            "/api/v1/contacts?limit=3" + (f"&cursor={cursor}" if cursor else "")
        )
        seen += [c["name"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen[0] == "Walk In" and len(seen) == len(set(seen)) == 8
    _, page = await admin.get("/api/v1/contacts?tag=vip")
    assert [c["name"] for c in page["items"]] == ["Walk In"]
    _, page = await admin.get(f"/api/v1/contacts?channel={telegram_channel['id']}")
    assert len(page["items"]) == 7
    _, page = await admin.get("/api/v1/contacts?seen_after=2000-01-01T00:00:00Z")
    assert len(page["items"]) == 7 and all(c["last_seen_at"] for c in page["items"])
