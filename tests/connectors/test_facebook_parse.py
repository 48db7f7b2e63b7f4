"""Page webhooks, as Meta sends them, parsed into Inbound items (pure, no I/O)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from connectors.base import Attachment, ChannelRef, Inbound, InboundKind, PayloadInvalid, Sender
from connectors.facebook import FacebookConnector
from tests.conftest import load_fixture

CHANNEL = ChannelRef(id="c1", kind="facebook", name="Shop page", config={}, webhook_url="")
CUSTOMER = Sender(external_id="24680135791357")
MAI = Sender(external_id="7365123498765432", name="Trần Thị Mai")
POST = "106100112233445_889977665544"


def ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)


def parse(name: str) -> list[Inbound]:
    return FacebookConnector().parse(CHANNEL, json.loads(load_fixture("facebook", f"{name}.json")))


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        (
            "text_message",
            [
                Inbound(
                    kind=InboundKind.MESSAGE,
                    external_id="m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P",
                    thread_id="24680135791357",
                    sender=CUSTOMER,
                    sent_at=ms(1795000000001),
                    text="Chào shop, áo này còn size M không ạ?",
                )
            ],
        ),
        (
            "image_attachment",
            [
                Inbound(
                    kind=InboundKind.MESSAGE,
                    external_id="m_image-dddddddddddddddddddddddddddddddd",
                    thread_id="24680135791357",
                    sender=CUSTOMER,
                    sent_at=ms(1795000199990),
                    attachments=(
                        Attachment(
                            "image",
                            url="https://scontent.xx.fbcdn.net/v/t1.15752-9/417_n.jpg?stp=dst-jpg&_nc_cat=1",
                        ),
                    ),
                )
            ],
        ),
        (
            "file_attachment",
            [
                Inbound(
                    kind=InboundKind.MESSAGE,
                    external_id="m_file-eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
                    thread_id="24680135791357",
                    sender=CUSTOMER,
                    sent_at=ms(1795000299990),
                    attachments=(
                        Attachment(
                            "file",
                            url="https://cdn.fbsbx.com/v/t59.2708-21/hoa-don-thang-10.pdf/hoa-don-thang-10.pdf",
                        ),
                    ),
                )
            ],
        ),
        (
            "postback",
            [
                Inbound(
                    kind=InboundKind.POSTBACK,
                    external_id="m_postback-ffffffffffffffffffffffffffff",
                    thread_id="24680135791357",
                    sender=CUSTOMER,
                    sent_at=ms(1795000399990),
                    text="Bảo hành",
                    payload="MENU_WARRANTY",
                )
            ],
        ),
        (
            "quick_reply",
            [
                Inbound(
                    kind=InboundKind.MESSAGE,
                    external_id="m_quick-gggggggggggggggggggggggggggggggg",
                    thread_id="24680135791357",
                    sender=CUSTOMER,
                    sent_at=ms(1795000449990),
                    text="Thanh toán",
                    payload="MENU_BILLING",
                )
            ],
        ),
        (
            "delivery",
            [
                Inbound(
                    kind=InboundKind.DELIVERY,
                    external_id="delivery:24680135791357:1795000498000",
                    thread_id="24680135791357",
                    sender=CUSTOMER,
                    target_ids=("m_sent-by-us-1",),
                    watermark=ms(1795000498000),
                )
            ],
        ),
        (
            "read",
            [
                Inbound(
                    kind=InboundKind.READ,
                    external_id="read:24680135791357:1795000598000",
                    thread_id="24680135791357",
                    sender=CUSTOMER,
                    watermark=ms(1795000598000),
                )
            ],
        ),
        (
            "echo_from_page_inbox",
            [
                Inbound(
                    kind=InboundKind.ECHO,
                    external_id="m_echo-hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh",
                    thread_id="24680135791357",
                    sender=CUSTOMER,
                    sent_at=ms(1795000699000),
                    text="Dạ còn size M ạ, chị đặt qua link này nhé",
                )
            ],
        ),
        (
            "page_comment",
            [
                Inbound(
                    kind=InboundKind.COMMENT,
                    external_id="889977665544_1122334455667788",
                    thread_id=f"{POST}:7365123498765432",
                    sender=MAI,
                    sent_at=datetime.fromtimestamp(1795000899, UTC),
                    text="Mẫu này có màu đen không shop?",
                )
            ],
        ),
        (
            "comment_edited",
            [
                Inbound(
                    kind=InboundKind.EDIT,
                    external_id="889977665544_1122334455667788:edit",
                    thread_id=f"{POST}:7365123498765432",
                    sender=MAI,
                    text="Mẫu này có màu đen và màu be không shop?",
                    target_id="889977665544_1122334455667788",
                )
            ],
        ),
        ("reaction", []),
        ("page_own_comment_and_like", []),
        ("instagram", []),
    ],
)
def test_parse(fixture, expected):
    assert parse(fixture) == expected


def test_a_batch_yields_every_message_of_every_entry():
    items = parse("batched")

    assert [(i.thread_id, i.text) for i in items] == [
        ("24680135791357", "Cho mình hỏi"),
        ("24680135791357", "giá ship về Đà Nẵng bao nhiêu?"),
        ("97531086420864", "Hello, is the store open on Sunday?"),
    ]


def test_an_echo_of_our_own_send_names_our_message():
    payload = json.loads(load_fixture("facebook", "echo_from_page_inbox.json"))
    payload["entry"][0]["messaging"][0]["message"]["metadata"] = "inbox:6b04000000000000000000aa"

    (echo,) = FacebookConnector().parse(CHANNEL, payload)

    assert echo.echo_of == "6b04000000000000000000aa"


@pytest.mark.parametrize(
    "payload", [[], {"object": "page"}, {"object": "page", "entry": [{"messaging": [{}]}]}]
)
def test_bodies_that_are_not_page_webhooks_are_refused(payload):
    with pytest.raises(PayloadInvalid):
        FacebookConnector().parse(CHANNEL, payload)
