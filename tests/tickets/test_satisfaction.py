"""Satisfaction surveys: a resolved ticket's customer rates 1-5 on their own channel (Telegram
inline buttons, Messenger quick replies, Zalo buttons, email links); the rating shows on the
ticket, never reopens it, can be changed for 7 days and fires `csat.received`."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from bson import ObjectId

from inbox import clock
from inbox.services.tickets import satisfaction
from tests.automations.bot.test_flows import buttons, press
from tests.conftest import (
    customer_writes,
    eventually,
    facebook_posts,
    load_fixture,
    relay_email,
    zalo_posts,
)

CHAT = 5511223344  # the chat of the callback_query fixture


async def ticket_resolved(admin, conversation_id: str) -> dict[str, Any]:
    status, ticket = await admin.post(
        f"/api/v1/conversations/{conversation_id}/ticket", json={"title": "Giao hàng trễ"}
    )
    assert status == 201, ticket
    status, ticket = await admin.patch(
        f"/api/v1/tickets/{ticket['id']}", json={"status": "resolved"}
    )
    assert status == 200, ticket
    return ticket


async def only_conversation(admin) -> dict[str, Any]:
    _, page = await admin.get("/api/v1/conversations?status=open,pending,resolved")
    (conversation,) = page["items"]
    return conversation


async def csat_of(admin, ticket_id: str, rating: int) -> dict[str, Any] | None:
    _, ticket = await admin.get(f"/api/v1/tickets/{ticket_id}")
    return ticket if (ticket.get("csat") or {}).get("rating") == rating else None


async def test_telegram_buttons_rate_the_ticket_without_reopening_it(
    http, admin, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    status, rule = await admin.post(
        "/api/v1/rules",
        json={
            "name": "Unhappy customers",
            "event": "csat.received",
            "conditions": {"all": [{"field": "csat.rating", "operator": "less_than", "value": 3}]},
            "actions": [{"type": "add_tag", "tag": "unhappy"}],
        },
    )
    assert status == 201, rule
    await customer_writes(http, telegram_channel, CHAT, "Đơn hàng chưa tới", name="Lan")
    conversation = await only_conversation(admin)
    ticket = await ticket_resolved(admin, conversation["id"])

    async def survey_sent():
        return next((m for m in fake.sent() if buttons(m)), None)

    survey = await eventually(survey_sent)
    assert "1 to 5" in survey["text"] or "1 đến 5" in survey["text"]
    choices = buttons(survey)
    assert [label.split()[0] for label, _ in choices] == ["5", "4", "3", "2", "1"]
    two = next(data for label, data in choices if label.startswith("2"))

    await press(http, telegram_channel, two, "2 ★★")
    rated = await eventually(lambda: csat_of(admin, ticket["id"], 2))
    assert rated["status"] == "resolved"  # a rating is not the customer writing again
    assert fake.sent("answerCallbackQuery")  # the button's spinner stops

    async def tagged():
        _, fresh = await admin.get(f"/api/v1/tickets/{ticket['id']}")
        return "unhappy" in fresh["tags"]

    await eventually(tagged)
    await press(http, telegram_channel, two, "2 ★★")  # redelivered: nothing changes
    five = next(data for label, data in choices if label.startswith("5"))
    await press(http, telegram_channel, five, "5 ★★★★★")
    await eventually(lambda: csat_of(admin, ticket["id"], 5))
    _, thread = await admin.get(f"/api/v1/conversations/{conversation['id']}/messages")
    ratings = [
        m["activity"]["to"] for m in thread["items"] if (m["activity"] or {}).get("field") == "csat"
    ]
    assert ratings == [2, 5]
    _, again = await admin.get(f"/api/v1/conversations/{conversation['id']}")
    assert again["status"] == "resolved"

    async def thanked():  # once, with a link where buttons' silence can get words
        found = [m for m in fake.sent() if "/csat/" in (m.get("text") or "")]
        return found or None

    (thanks,) = await eventually(thanked)
    link = re.search(r"(/csat/\S+)", thanks["text"]).group(1)
    status, _page = await http.post(link, data={"rating": "5", "comment": "Giao nhanh"})
    assert status == 303  # then the page shows the thanks and the comment
    _, commented = await admin.get(f"/api/v1/tickets/{ticket['id']}")
    assert commented["csat"] == {**commented["csat"], "rating": 5, "comment": "Giao nhanh"}

    async def counted():  # the reports: one survey sent, answered (its last rating counts)
        _, figures = await admin.get("/api/v1/reports/overview")
        csat = figures["csat"]
        return csat if csat["asked"] == 1 and csat["average"] == 5.0 else None

    csat = await eventually(counted)
    assert csat["responses"] == 1 and csat["response_percent"] == 100.0


async def test_messenger_quick_replies_and_zalo_buttons_carry_the_rating(
    http, admin, facebook_channel, fake_graph, zalo_channel, fake_zalo
):
    graph, _ = fake_graph
    await facebook_posts(http, facebook_channel, load_fixture("facebook", "text_message.json"))
    conversation = await only_conversation(admin)
    ticket = await ticket_resolved(admin, conversation["id"])

    async def quick_replies():
        for sent in graph.sent():
            replies = (sent.get("message") or {}).get("quick_replies")
            if replies:
                return replies
        return None

    offered = await eventually(quick_replies)
    four = next(q["payload"] for q in offered if q["title"].startswith("4"))
    answer = json.loads(load_fixture("facebook", "quick_reply.json"))
    message = answer["entry"][0]["messaging"][0]["message"]
    message["quick_reply"]["payload"], message["text"] = four, "4 ★★★★"
    await facebook_posts(http, facebook_channel, json.dumps(answer).encode())
    await eventually(lambda: csat_of(admin, ticket["id"], 4))

    zalo, _ = fake_zalo
    await zalo_posts(http, zalo_channel, load_fixture("zalo", "user_send_text.json"))
    _, page = await admin.get(f"/api/v1/conversations?channel={zalo_channel['id']}")
    (zalo_conversation,) = page["items"]
    zalo_ticket = await ticket_resolved(admin, zalo_conversation["id"])

    async def zalo_buttons():
        for sent in zalo.sent():
            payload = ((sent.get("message") or {}).get("attachment") or {}).get("payload") or {}
            if payload.get("buttons"):
                return payload["buttons"]
        return None

    offered = await eventually(zalo_buttons)
    one = next(b["payload"] for b in offered if b["title"].startswith("1"))
    tap = json.loads(load_fixture("zalo", "user_send_text.json"))
    tap["message"]["msg_id"], tap["message"]["text"] = "zalo-tap-1", one  # a tap is a text
    await zalo_posts(http, zalo_channel, json.dumps(tap).encode())
    rated = await eventually(lambda: csat_of(admin, zalo_ticket["id"], 1))
    assert rated["status"] == "resolved"


async def test_email_links_rate_in_one_click_take_a_comment_and_close_after_7_days(
    http, admin, rt, email_channel, smtp
):
    recorder, _ = smtp
    await relay_email(http, email_channel, load_fixture("email", "plain.eml"))
    conversation = await only_conversation(admin)
    ticket = await ticket_resolved(admin, conversation["id"])

    async def survey_mail():
        for mail in recorder.messages:
            body = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
            if "/csat/" in body:
                return body
        return None

    body = await eventually(survey_mail)
    links = dict(re.findall(r"^(\d) \S+\s+(http\S+)$", body, re.MULTILINE))
    assert sorted(links) == ["1", "2", "3", "4", "5"]
    html_part = next(
        m.get_body(("html",)).get_content() for m in recorder.messages if "/csat/" in str(m)
    )
    assert f'<a href="{links["3"]}">' in html_part  # one click in HTML mail programs too
    path = links["5"].removeprefix(http.base)
    async with http.session.get(http.base + path) as page:
        assert page.status == 200
        assert "You rated us 5 out of 5" in await page.text()
    await eventually(lambda: csat_of(admin, ticket["id"], 5))

    form = {"rating": "4", "comment": "Giao nhanh, nhưng hộp bị móp."}
    async with http.session.post(http.base + path.split("?")[0], data=form) as page:
        assert page.status == 200
    rated = await eventually(lambda: csat_of(admin, ticket["id"], 4))
    assert rated["csat"]["comment"] == "Giao nhanh, nhưng hộp bị móp."

    await rt.store["surveys"].update_many(
        {"ticket_id": ObjectId(ticket["id"])},
        {"$set": {"sent_at": clock.now() - timedelta(days=8)}},
    )
    async with http.session.get(http.base + links["1"].removeprefix(http.base)) as page:
        assert page.status == 409 and "7 days" in await page.text()
    async with http.session.post(http.base + path.split("?")[0], data={"rating": "1"}) as page:
        assert page.status == 409 and "7 days" in await page.text()
    assert (await csat_of(admin, ticket["id"], 4)) is not None
    async with http.session.get(http.base + "/csat/not-a-token?rating=5") as page:
        assert page.status == 404


async def test_the_survey_waits_is_dropped_when_reopened_and_asks_again_next_time(
    http, admin, rt, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    rt.settings.csat_delay_seconds = 600
    await customer_writes(http, telegram_channel, CHAT, "Xin chào")
    conversation = await only_conversation(admin)
    ticket = await ticket_resolved(admin, conversation["id"])

    async def planned(count: int):
        found = await rt.store["surveys"].find({"ticket_id": ObjectId(ticket["id"])}).to_list(None)
        return found if len(found) == count else None

    (first,) = await eventually(lambda: planned(1))
    assert first["status"] == "planned" and not [m for m in fake.sent() if buttons(m)]
    await admin.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": "open"})
    await _due_now(rt)
    assert await satisfaction.send_due(rt) == 1
    cancelled = await rt.store["surveys"].find_one({"_id": first["_id"]})
    assert cancelled["status"] == "cancelled"

    await admin.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": "resolved"})
    surveys = await eventually(lambda: planned(2))
    await _due_now(rt)
    assert await satisfaction.send_due(rt) == 1
    second = await rt.store["surveys"].find_one({"_id": surveys[-1]["_id"]})
    assert second["status"] == "sent"
    await eventually(lambda: _first([m for m in fake.sent() if buttons(m)]))


async def _due_now(rt) -> None:
    await rt.store["surveys"].update_many(
        {"status": "planned"}, {"$set": {"due_at": clock.now() - timedelta(seconds=1)}}
    )


async def _first(items):
    return items[0] if items else None


async def test_a_low_rating_tells_the_team_lead_by_default(
    http, admin, agent, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    lead_id = str(agent.agent["_id"])
    _, team = await admin.post("/api/v1/teams", json={"name": "Giao hàng", "lead_id": lead_id})
    await customer_writes(http, telegram_channel, CHAT, "Hàng bị vỡ")
    conversation = await only_conversation(admin)
    _, ticket = await admin.post(
        f"/api/v1/conversations/{conversation['id']}/ticket",
        json={"title": "Hàng vỡ", "team_id": team["id"]},
    )
    await admin.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": "resolved"})
    survey = await eventually(lambda: _first([m for m in fake.sent() if buttons(m)]))
    one = next(data for label, data in buttons(survey) if label.startswith("1"))

    await press(http, telegram_channel, one, "1 ★")

    async def told():
        _, page = await agent.get("/api/v1/notifications")
        return [n["text"] for n in page["items"] if "1/5" in n["text"]]

    (text,) = await eventually(told)
    assert ticket["number"] in text


async def test_a_conversation_without_a_ticket_is_surveyed_where_its_channel_asks(
    http, admin, rt, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    await customer_writes(http, telegram_channel, CHAT, "Shop mở cửa mấy giờ?")
    conversation = await only_conversation(admin)
    path = f"/api/v1/conversations/{conversation['id']}"
    await admin.patch(path, json={"status": "resolved"})
    await eventually(lambda: _handled(rt))
    assert not [m for m in fake.sent() if buttons(m)]  # off by default without a ticket

    status, _ = await admin.patch(
        f"/api/v1/channels/{telegram_channel['id']}",
        json={"settings": {"csat_conversations": True}},
    )
    assert status == 200
    await customer_writes(http, telegram_channel, CHAT, "Cảm ơn", message_id=2)
    _, page = await admin.get("/api/v1/conversations?status=open")
    (conversation,) = page["items"]  # the first one was resolved: this is a new one
    await admin.patch(f"/api/v1/conversations/{conversation['id']}", json={"status": "resolved"})
    survey = await eventually(lambda: _first([m for m in fake.sent() if buttons(m)]))
    assert "C-" in survey["text"]  # the conversation's reference: there is no ticket
    five = next(data for label, data in buttons(survey) if label.startswith("5"))

    await press(http, telegram_channel, five, "5 ★★★★★")

    async def rated():
        _, fresh = await admin.get(f"/api/v1/conversations/{conversation['id']}")
        return fresh if (fresh.get("csat") or {}).get("rating") == 5 else None

    assert (await eventually(rated))["status"] == "resolved"


async def _handled(rt) -> bool:
    return await rt.store["events"].count_documents({"processed_at": None}) == 0
