"""FAQ matching, table-driven: Vietnamese with and without diacritics, English, typos, word
order, several plausible entries, and unrelated questions that must not be answered."""

from __future__ import annotations

import pytest

from inbox.services import faqs as faq

ENTRIES = [
    {
        "question": "Phí giao hàng là bao nhiêu?",
        "variants": ["Ship bao nhiêu tiền", "How much is shipping?", "delivery fee"],
        "keywords": ["phí ship", "shipping fee"],
        "answer": "Miễn phí cho đơn từ 300.000đ.",
    },
    {
        "question": "Bao lâu thì nhận được hàng?",
        "variants": ["Khi nào giao hàng tới", "How long does delivery take?"],
        "keywords": ["thời gian giao hàng"],
        "answer": "2 đến 4 ngày làm việc.",
    },
    {
        "question": "Làm sao để đổi trả sản phẩm?",
        "variants": ["Tôi muốn trả hàng", "How do I return an item?", "đổi size"],
        "keywords": ["đổi trả", "return"],
        "answer": "Trong 7 ngày, mang hoá đơn đến cửa hàng.",
    },
    {
        "question": "Cửa hàng mở cửa lúc mấy giờ?",
        "variants": ["Giờ mở cửa", "What are your opening hours?"],
        "keywords": ["giờ mở cửa", "opening hours"],
        "answer": "8:00 đến 21:00 mỗi ngày.",
    },
]

ANSWERED = [
    ("Phí giao hàng là bao nhiêu?", 0),
    ("phi giao hang la bao nhieu", 0),  # no diacritics
    ("PHÍ SHIP bao nhiêu vậy shop", 0),  # keyword, capitals
    ("how much is the shipping fee", 0),
    ("phi giao hnag bao nhieu", 0),  # typo
    ("bao lâu thì nhận được hàng ạ", 1),
    ("bao lau nhan duoc hang", 1),
    ("how long does the delivery take?", 1),
    ("làm sao đổi trả sản phẩm", 2),
    ("toi muon tra hang", 2),
    ("How can I return an item", 2),
    ("giờ mở cửa của shop", 3),
    ("what are your opening hours", 3),
    ("mo cua luc may gio", 3),
]
UNRELATED = [
    "Cho mình hỏi thời tiết hôm nay thế nào",
    "I love your logo",
    "xin chào",
    "abc xyz",
    "Who won the football match yesterday?",
]


@pytest.mark.parametrize(("question", "expected"), ANSWERED)
def test_questions_asked_many_ways_find_their_answer(question, expected):
    found = faq.match(question, ENTRIES)

    assert found.answer is ENTRIES[expected], found.scores


@pytest.mark.parametrize("question", UNRELATED)
def test_unrelated_questions_are_not_answered(question):
    found = faq.match(question, ENTRIES)

    assert found.answer is None and found.offers == [], found.scores


def test_an_unsure_match_offers_the_plausible_entries():
    found = faq.match("giao hàng", ENTRIES)  # shipping fee or delivery time?

    assert found.answer is None
    assert ENTRIES[0] in found.offers and ENTRIES[1] in found.offers
    assert len(found.offers) <= 3


def test_disabled_entries_are_never_matched():
    entries = [{**ENTRIES[0], "enabled": False}, *ENTRIES[1:]]

    assert faq.match("Phí giao hàng là bao nhiêu?", entries).answer is not entries[0]


async def test_admins_keep_faq_entries_and_try_questions_through_the_api(admin, agent):
    status, made = await admin.post("/api/v1/faqs", json=ENTRIES[0])
    await admin.post("/api/v1/faqs", json=ENTRIES[3])

    _, answered = await admin.post("/api/v1/faqs/match", json={"text": "phi ship bao nhieu"})
    _, silent = await admin.post("/api/v1/faqs/match", json={"text": "I love your logo"})
    _, changed = await admin.patch(f"/api/v1/faqs/{made['id']}", json={"enabled": False})
    _, after = await admin.post("/api/v1/faqs/match", json={"text": "phi ship bao nhieu"})

    assert status == 201 and made["keywords"] == ["phí ship", "shipping fee"]
    assert answered["answer"]["id"] == made["id"]
    assert silent["answer"] is None and silent["offers"] == []
    assert changed["enabled"] is False and after["answer"] is None
    assert (await admin.post("/api/v1/faqs", json={"question": "Hi?"}))[0] == 422
    assert (await agent.get("/api/v1/faqs"))[0] == 403
