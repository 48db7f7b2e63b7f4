"""The bot through real webhook payloads: greeting, department menu by button or typed,
questions, FAQ answers with "did this solve it?", hand-off to the right team's agent, out of
hours, and silence once an agent has taken the conversation."""

from __future__ import annotations

import json
from typing import Any

from bson import ObjectId

from automations.bot.engine import NO
from tests.automations.bot.test_faq_matching import ENTRIES
from tests.automations.helpers import online_agent
from tests.conftest import (
    Client,
    customer_writes,
    eventually,
    facebook_posts,
    load_fixture,
    zalo_posts,
)
from tests.tickets.helpers import conversation_of

CHAT = 5511223344


async def bot_for(admin: Client, channel: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """Billing (asks for the order number) and Technical, with the FAQ on."""
    _, billing = await admin.post(
        "/api/v1/teams", json={"name": "Billing", "assignment": "round_robin"}
    )
    _, technical = await admin.post("/api/v1/teams", json={"name": "Technical"})
    body = {
        "greeting": "Chào bạn! Mình là trợ lý của shop.",
        "options": [
            {
                "label": "Thanh toán",
                "team_id": billing["id"],
                "questions": ["Mã đơn hàng của bạn?"],
            },
            {"label": "Kỹ thuật", "team_id": technical["id"]},
        ],
        **extra,
    }
    status, bot = await admin.put(f"/api/v1/channels/{channel['id']}/bot", json=body)
    assert status == 200, bot
    return {"billing": billing, "technical": technical}


async def press(http: Client, channel: dict[str, Any], data: str, label: str) -> None:
    """The customer presses an inline button: Telegram's callback_query update."""
    update = json.loads(load_fixture("telegram", "callback_query.json"))
    update["update_id"] += abs(hash(data)) % 100000
    update["callback_query"]["id"] = f"cb-{data}"
    update["callback_query"]["data"] = data
    update["callback_query"]["message"]["reply_markup"] = {
        "inline_keyboard": [[{"text": label, "callback_data": data}]]
    }
    status, _ = await http.post(
        f"/webhooks/telegram/{channel['id']}",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": channel["secret_token"]},
    )
    assert status == 200


async def bot_said(fake, count: int) -> list[dict[str, Any]]:
    async def enough() -> list[dict[str, Any]]:
        sent = fake.sent()
        return sent if len(sent) >= count else []

    return await eventually(enough)


def buttons(sent: dict[str, Any]) -> list[tuple[str, str]]:
    markup = sent.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return [
        (b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row
    ]


async def test_greeting_menu_question_and_hand_off_to_the_teams_agent(
    http, admin, rt, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    teams = await bot_for(admin, telegram_channel)
    agent = await online_agent(rt, "minh@example.com", [teams["billing"]["id"]], name="Minh")

    await customer_writes(http, telegram_channel, CHAT, "Xin chào", name="Lan Nguyễn")
    (menu,) = await bot_said(fake, 1)  # one message, so nothing arrives out of order
    assert menu["text"] == "Chào bạn! Mình là trợ lý của shop.\n\nBạn cần hỗ trợ gì? Vui lòng chọn:"
    assert buttons(menu) == [("Thanh toán", "menu:0"), ("Kỹ thuật", "menu:1")]
    conversation = await conversation_of(admin)
    assert conversation["status"] == "bot"
    _, thread = await admin.get(f"/api/v1/conversations/{conversation['id']}/messages")
    (shown,) = [
        m for m in thread["items"] if m["sender"]["type"] == "bot" and m["kind"] == "message"
    ]
    assert shown["options"] == ["Thanh toán", "Kỹ thuật"]  # agents see what the customer saw

    await press(http, telegram_channel, "menu:0", "Thanh toán")
    asked = (await bot_said(fake, 2))[1]
    assert asked["text"] == "Mã đơn hàng của bạn?"
    assert [p["callback_query_id"] for p in fake.sent("answerCallbackQuery")] == ["cb-menu:0"]

    await customer_writes(http, telegram_channel, CHAT, "DH12345", message_id=2, name="Lan Nguyễn")

    async def handed_over() -> dict[str, Any] | None:
        conversation = await conversation_of(admin)
        return conversation if conversation["assignee_id"] else None

    conversation = await eventually(handed_over)
    assert conversation["status"] == "open"
    assert conversation["team_id"] == teams["billing"]["id"]
    assert conversation["assignee_id"] == str(agent["_id"])
    _, thread = await admin.get(f"/api/v1/conversations/{conversation['id']}/messages")
    notes = [m["text"] for m in thread["items"] if m["kind"] == "note"]
    assert notes == ["Bot: chose Thanh toán.\nMã đơn hàng của bạn? DH12345"]
    assert (await bot_said(fake, 3))[2]["text"].startswith("Cảm ơn bạn!")


async def test_a_typed_choice_works_like_a_button(http, admin, telegram_channel, fake_telegram):
    fake, _ = fake_telegram
    teams = await bot_for(admin, telegram_channel, in_hours="Kỹ thuật viên sẽ nhắn bạn ngay.")

    await customer_writes(http, telegram_channel, CHAT, "Xin chào")
    await bot_said(fake, 1)
    await customer_writes(http, telegram_channel, CHAT, "ky thuat", message_id=2)

    async def with_technical() -> dict[str, Any] | None:
        conversation = await conversation_of(admin)
        return conversation if conversation["team_id"] == teams["technical"]["id"] else None

    assert (await eventually(with_technical))["status"] == "open"
    assert (await bot_said(fake, 2))[1]["text"] == "Kỹ thuật viên sẽ nhắn bạn ngay."


async def test_an_faq_answer_then_no_hands_over(http, admin, telegram_channel, fake_telegram):
    fake, _ = fake_telegram
    await bot_for(admin, telegram_channel)
    await admin.post("/api/v1/faqs", json=ENTRIES[0])

    await customer_writes(http, telegram_channel, CHAT, "phí ship bao nhiêu vậy shop")
    (answer,) = await bot_said(fake, 1)
    assert answer["text"] == "\n\n".join(
        [
            "Chào bạn! Mình là trợ lý của shop.",
            ENTRIES[0]["answer"],
            "Câu trả lời này có giúp được bạn không?",
        ]
    )
    assert buttons(answer) == [("Có", "yes"), ("Không", "no")]

    await press(http, telegram_channel, NO, "Không")

    async def open_again() -> dict[str, Any] | None:
        conversation = await conversation_of(admin)
        return conversation if conversation["status"] == "open" else None

    assert await eventually(open_again)


async def test_yes_ends_the_conversation_and_unknown_questions_are_collected(
    http, admin, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    await bot_for(admin, telegram_channel, max_failures=3)
    await admin.post("/api/v1/faqs", json=ENTRIES[3])

    await customer_writes(http, telegram_channel, CHAT, "Xin chào")
    await bot_said(fake, 1)
    await customer_writes(http, telegram_channel, CHAT, "Có bán thẻ quà tặng không?", message_id=2)
    missed = (await bot_said(fake, 2))[1]
    assert missed["text"].startswith("Xin lỗi, mình chưa hiểu ý bạn.")
    assert buttons(missed) == [("Thanh toán", "menu:0"), ("Kỹ thuật", "menu:1")]
    await customer_writes(http, telegram_channel, CHAT, "mấy giờ mở cửa vậy", message_id=3)
    assert (await bot_said(fake, 3))[2]["text"].startswith(ENTRIES[3]["answer"])
    await customer_writes(http, telegram_channel, CHAT, "có", message_id=4)

    async def resolved() -> dict[str, Any] | None:
        _, page = await admin.get("/api/v1/conversations?status=resolved")
        return page["items"][0] if page["items"] else None

    assert await eventually(resolved)
    _, misses = await admin.get("/api/v1/faqs/misses")
    assert [m["text"] for m in misses["items"]] == ["Có bán thẻ quà tặng không?"]


async def test_asking_for_a_person_out_of_hours_says_when_the_team_answers(
    http, admin, rt, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    _, closed = await admin.post(
        "/api/v1/calendars",
        json={"name": "Closed", "timezone": "UTC", "hours": {}, "closed_dates": []},
    )
    assert closed.get("error"), closed  # a calendar that never opens is refused
    never = {"name": "Tiny", "timezone": "UTC", "hours": {"sun": [["00:00", "00:01"]]}}
    _, calendar = await admin.post("/api/v1/calendars", json=never)
    await bot_for(
        admin,
        telegram_channel,
        calendar_id=calendar["id"],
        out_of_hours="Shop đang nghỉ, 8:00 sáng mai sẽ trả lời bạn.",
    )

    await customer_writes(http, telegram_channel, CHAT, "Xin chào")
    await bot_said(fake, 1)
    await customer_writes(http, telegram_channel, CHAT, "cho mình gặp nhân viên", message_id=2)

    last = (await bot_said(fake, 2))[1]
    assert last["text"] == "Shop đang nghỉ, 8:00 sáng mai sẽ trả lời bạn."
    conversation = await conversation_of(admin)

    async def handed_over() -> dict[str, Any] | None:
        record = await rt.store["conversations"].find_one({"_id": ObjectId(conversation["id"])})
        return record if record["status"] == "open" else None

    record = await eventually(handed_over)  # the reports count why
    assert (record["bot_outcome"], record["bot_handover"]) == ("handed_over", "asked_for_person")


async def test_no_bot_reply_once_an_agent_has_taken_the_conversation(
    http, admin, rt, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    await bot_for(admin, telegram_channel)
    await customer_writes(http, telegram_channel, CHAT, "Xin chào")
    await bot_said(fake, 1)
    conversation = await conversation_of(admin)

    await admin.post(
        f"/api/v1/conversations/{conversation['id']}/messages", json={"text": "Chào chị, em là Ada"}
    )

    async def taken() -> dict[str, Any] | None:
        now = await conversation_of(admin)
        return now if now["status"] == "open" else None

    assert (await eventually(taken))["assignee_id"] == str(admin.agent["_id"])
    record = await rt.store["conversations"].find_one({"_id": ObjectId(conversation["id"])})
    assert (record["bot_outcome"], record["bot_handover"]) == ("handed_over", "agent_took_over")
    await customer_writes(http, telegram_channel, CHAT, "2", message_id=2)

    async def handled() -> bool:  # the worker has run every handler on the customer's "2"
        _, thread = await admin.get(f"/api/v1/conversations/{conversation['id']}/messages")
        last = thread["items"][-1]
        event = await rt.store["events"].find_one(
            {"subject.id": ObjectId(last["id"]), "type": "message.created"}
        )
        return last["text"] == "2" and event is not None and event["processed_at"] is not None

    assert await eventually(handled)
    assert [p["text"] for p in fake.sent()][-1] == "Chào chị, em là Ada"  # nothing after it


async def test_messenger_gets_quick_replies_and_a_quick_reply_chooses(
    http, admin, facebook_channel, fake_graph
):
    graph, _ = fake_graph
    teams = await bot_for(admin, facebook_channel)

    await facebook_posts(http, facebook_channel, load_fixture("facebook", "text_message.json"))

    async def menu_sent() -> dict[str, Any] | None:
        sent = [_json(p["message"]) for p in graph.sent()]
        return next((m for m in sent if m.get("quick_replies")), None)

    menu = await eventually(menu_sent)
    assert [(q["title"], q["payload"]) for q in menu["quick_replies"]] == [
        ("Thanh toán", "menu:0"),
        ("Kỹ thuật", "menu:1"),
    ]
    reply = json.loads(load_fixture("facebook", "quick_reply.json"))
    reply["entry"][0]["messaging"][0]["message"].update(
        text="Kỹ thuật", quick_reply={"payload": "menu:1"}
    )
    await facebook_posts(http, facebook_channel, json.dumps(reply).encode())

    async def with_technical() -> dict[str, Any] | None:
        conversation = await conversation_of(admin)
        return conversation if conversation["team_id"] == teams["technical"]["id"] else None

    assert (await eventually(with_technical))["status"] == "open"


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def test_an_agent_hands_the_conversation_back_to_the_bot(
    http, admin, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    await bot_for(admin, telegram_channel)
    await customer_writes(http, telegram_channel, CHAT, "Xin chào")
    await bot_said(fake, 1)
    conversation = await conversation_of(admin)
    await admin.patch(f"/api/v1/conversations/{conversation['id']}", json={"status": "open"})

    await admin.patch(f"/api/v1/conversations/{conversation['id']}", json={"status": "bot"})

    menu_again = (await bot_said(fake, 2))[1]
    assert buttons(menu_again) == [("Thanh toán", "menu:0"), ("Kỹ thuật", "menu:1")]


async def test_zalo_gets_oa_buttons_and_a_tap_comes_back_as_text(
    http, admin, zalo_channel, fake_zalo
):
    zalo, _ = fake_zalo
    teams = await bot_for(admin, zalo_channel)
    first = json.loads(load_fixture("zalo", "user_send_text.json"))
    await zalo_posts(http, zalo_channel, json.dumps(first).encode())

    async def menu_sent() -> dict[str, Any] | None:
        return next((m for m in zalo.accepted if m["message"].get("attachment")), None)

    menu = (await eventually(menu_sent))["message"]["attachment"]["payload"]["buttons"]
    assert [(b["title"], b["type"], b["payload"]) for b in menu] == [
        ("Thanh toán", "oa.query.show", "menu:0"),
        ("Kỹ thuật", "oa.query.show", "menu:1"),
    ]
    tap = {**first, "timestamp": str(int(first["timestamp"]) + 5000)}
    tap["message"] = {"msg_id": "96d3cdf3af150460910", "text": "menu:1"}
    await zalo_posts(http, zalo_channel, json.dumps(tap).encode())

    async def with_technical() -> dict[str, Any] | None:
        conversation = await conversation_of(admin)
        return conversation if conversation["team_id"] == teams["technical"]["id"] else None

    assert (await eventually(with_technical))["status"] == "open"


async def test_messenger_menu_question_faq_answer_no_then_the_departments_agent(
    http, admin, rt, facebook_channel, fake_graph
):
    """The whole path on Messenger: greeting → quick-reply choice → the department's question
    → the customer's question answered from the FAQ → "no" → that department's agent."""
    graph, _ = fake_graph
    _, shipping = await admin.post(
        "/api/v1/teams", json={"name": "Shipping", "assignment": "least_loaded"}
    )
    agent = await online_agent(rt, "tuan@example.com", [shipping["id"]], name="Tuấn")
    body = {
        "greeting": "Chào bạn!",
        "options": [
            {"label": "Giao hàng", "team_id": shipping["id"], "questions": ["Bạn cần hỏi gì?"]}
        ],
    }
    await admin.put(f"/api/v1/channels/{facebook_channel['id']}/bot", json=body)
    await admin.post("/api/v1/faqs", json=ENTRIES[0])

    def said() -> list[dict[str, Any]]:
        return [_json(p["message"]) for p in graph.sent()]

    async def count(n: int) -> list[dict[str, Any]]:
        return await eventually(lambda: _ready(said(), n))

    def message(mid: str, text: str, payload: str | None = None) -> bytes:
        update = json.loads(load_fixture("facebook", "quick_reply.json"))
        event = update["entry"][0]["messaging"][0]
        event["message"] = {
            "mid": mid,
            "text": text,
            **({"quick_reply": {"payload": payload}} if payload else {}),
        }
        return json.dumps(update).encode()

    await facebook_posts(http, facebook_channel, message("m_1", "Xin chào"))
    assert [q["payload"] for q in (await count(1))[0]["quick_replies"]] == ["menu:0"]
    await facebook_posts(http, facebook_channel, message("m_2", "Giao hàng", "menu:0"))
    assert (await count(2))[1]["text"] == "Bạn cần hỏi gì?"
    await facebook_posts(http, facebook_channel, message("m_3", "phí ship bao nhiêu"))
    answer = (await count(3))[2]
    assert answer["text"].startswith(ENTRIES[0]["answer"])
    assert [q["payload"] for q in answer["quick_replies"]] == ["yes", "no"]
    await facebook_posts(http, facebook_channel, message("m_4", "Không", "no"))

    async def assigned() -> dict[str, Any] | None:
        conversation = await conversation_of(admin)
        return conversation if conversation["assignee_id"] else None

    conversation = await eventually(assigned)
    assert (conversation["team_id"], conversation["assignee_id"]) == (
        shipping["id"],
        str(agent["_id"]),
    )


async def _ready(items: list[Any], n: int) -> list[Any]:
    return items if len(items) >= n else []
