"""Search: contacts and conversations by folded words, with and without Vietnamese accents,
within what the agent may see."""

from __future__ import annotations

from tests.conftest import Client, customer_writes


async def _names(client: Client, path: str) -> list[str]:
    status, page = await client.get(path)
    assert status == 200, page
    return sorted(
        item["contact"]["name"] if "contact" in item else item["name"] for item in page["items"]
    )


async def test_conversations_are_found_by_contact_details_and_message_words(
    http, admin, agent, telegram_channel
):
    await customer_writes(http, telegram_channel, 501, "Đơn hàng bị giao trễ", name="Nguyễn Văn An")
    await customer_writes(http, telegram_channel, 502, "Cho hỏi giá combo", name="Trần Bình")
    _, page = await admin.get("/api/v1/contacts?q=binh")
    binh = page["items"][0]
    await admin.patch(
        f"/api/v1/contacts/{binh['id']}",
        json={"phones": ["0912 345 678"], "emails": ["binh.work@example.com"]},
    )

    search = "/api/v1/conversations?q="
    assert await _names(agent, search + "nguyen van") == ["Nguyễn Văn An"]
    assert await _names(agent, search + "Nguyễn") == ["Nguyễn Văn An"]
    assert await _names(agent, search + "ngu") == ["Nguyễn Văn An"]  # as they type
    assert await _names(agent, search + "giao tre") == ["Nguyễn Văn An"]
    assert await _names(agent, search + "giao%20tr%E1%BB%85") == ["Nguyễn Văn An"]
    assert await _names(agent, search + "0912345678") == ["Trần Bình"]
    assert await _names(agent, search + "%2B84912345678") == ["Trần Bình"]
    assert await _names(agent, search + "binh.work@example.com") == ["Trần Bình"]
    assert await _names(agent, search + "502") == ["Trần Bình"]  # the Telegram user id
    assert await _names(agent, search + "nobody") == []

    # Renamed: found by the new name, no longer by the old one; its messages still count.
    await admin.patch(f"/api/v1/contacts/{binh['id']}", json={"name": "Chị Bình Lê"})
    assert await _names(agent, search + "le") == ["Chị Bình Lê"]
    assert await _names(agent, search + "tran") == []
    assert await _names(agent, search + "combo") == ["Chị Bình Lê"]


async def test_search_respects_what_the_agent_may_see(http, admin, agent, telegram_channel):
    await customer_writes(http, telegram_channel, 601, "refund please", name="Phạm Hùng")
    await customer_writes(http, telegram_channel, 602, "refund too", name="Phạm Dũng")
    _, team = await admin.post("/api/v1/teams", json={"name": "Billing"})
    _, page = await admin.get("/api/v1/conversations?q=dung")
    await admin.patch(
        f"/api/v1/conversations/{page['items'][0]['id']}", json={"team_id": team["id"]}
    )

    assert await _names(admin, "/api/v1/conversations?q=refund") == ["Phạm Dũng", "Phạm Hùng"]
    assert await _names(agent, "/api/v1/conversations?q=refund") == ["Phạm Hùng"]
    assert await _names(admin, "/api/v1/contacts?q=pham") == ["Phạm Dũng", "Phạm Hùng"]
    assert await _names(agent, "/api/v1/contacts?q=pham") == ["Phạm Hùng"]
    assert await _names(agent, "/api/v1/contacts?q=Phạm%20H") == ["Phạm Hùng"]
