"""Telegram updates, as Telegram sends them, parsed into Inbound items (pure, no I/O)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from connectors.base import Attachment, ChannelRef, Inbound, InboundKind, PayloadInvalid, Sender
from connectors.telegram import TelegramConnector, split_text
from tests.conftest import load_fixture

CHANNEL = ChannelRef(id="c1", kind="telegram", name="Shop bot", config={}, webhook_url="")
LAN = Sender(external_id="5511223344", name="Lan Nguyễn", language="vi")
JOHN = Sender(external_id="6622334455", name="John Smith", language="en")


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        (
            "text_message",
            [
                Inbound(
                    kind=InboundKind.MESSAGE,
                    external_id="5511223344:1365",
                    thread_id="5511223344",
                    sender=LAN,
                    sent_at=at(1795000000),
                    text="Xin chào, đơn hàng #DH1024 của tôi đang ở đâu?",
                )
            ],
        ),
        (
            "photo_with_caption",
            [
                Inbound(
                    kind=InboundKind.MESSAGE,
                    external_id="5511223344:1366",
                    thread_id="5511223344",
                    sender=LAN,
                    sent_at=at(1795000060),
                    text="Sản phẩm bị trầy như thế này",
                    attachments=(
                        Attachment(
                            "image",
                            file_id="AgACAgUAAxkBAAIBZ2VhYmNkZWZnaGlqa2xtbm9w-large",
                            size=88012,
                        ),
                    ),
                )
            ],
        ),
        (
            "edited_message",
            [
                Inbound(
                    kind=InboundKind.EDIT,
                    external_id="5511223344:1365:edit:1795000030",
                    thread_id="5511223344",
                    sender=LAN,
                    sent_at=at(1795000030),
                    text="Xin chào, đơn hàng #DH1025 của tôi đang ở đâu?",
                    target_id="5511223344:1365",
                )
            ],
        ),
        (
            "callback_query",
            [
                Inbound(
                    kind=InboundKind.POSTBACK,
                    external_id="callback:4382bfdwdsb323b2d9",
                    thread_id="5511223344",
                    sender=LAN,
                    text="Bảo hành",
                    payload="menu:warranty",
                )
            ],
        ),
        (
            "document",
            [
                Inbound(
                    kind=InboundKind.MESSAGE,
                    external_id="6622334455:1371",
                    thread_id="6622334455",
                    sender=JOHN,
                    sent_at=at(1795000300),
                    text="Here is the invoice with the wrong VAT number",
                    attachments=(
                        Attachment(
                            "file",
                            file_id="BQACAgUAAxkBAAIBaGVhYmNkZWZnaGlqa2xtbm9w",
                            name="invoice-2026-10.pdf",
                            size=48213,
                            mime_type="application/pdf",
                        ),
                    ),
                )
            ],
        ),
        (
            "reply_in_group",
            [
                Inbound(
                    kind=InboundKind.MESSAGE,
                    external_id="-1001234567890:88",
                    thread_id="-1001234567890",
                    sender=JOHN,
                    sent_at=at(1795000400),
                    text="Order #DH2048, thanks",
                    reply_to="-1001234567890:87",
                )
            ],
        ),
        (
            "location",
            [
                Inbound(
                    kind=InboundKind.MESSAGE,
                    external_id="5511223344:1372",
                    thread_id="5511223344",
                    sender=LAN,
                    sent_at=at(1795000500),
                    attachments=(
                        Attachment(
                            "location", url="https://maps.google.com/?q=10.776889,106.700806"
                        ),
                    ),
                )
            ],
        ),
        ("my_chat_member", []),
        ("channel_post", []),
    ],
)
def test_parse(fixture: str, expected: list[Inbound]) -> None:
    payload = json.loads(load_fixture("telegram", f"{fixture}.json"))
    assert TelegramConnector().parse(CHANNEL, payload) == expected


def test_the_raw_update_travels_with_the_item() -> None:
    payload = json.loads(load_fixture("telegram", "text_message.json"))
    (item,) = TelegramConnector().parse(CHANNEL, payload)
    assert item.raw == payload


@pytest.mark.parametrize(
    "payload",
    [
        [],
        "update",
        {"message": {}},
        {"update_id": "1"},
        {"update_id": 5, "message": {"message_id": "x"}},
    ],
)
def test_a_body_that_is_not_an_update_is_refused(payload: object) -> None:
    with pytest.raises(PayloadInvalid):
        TelegramConnector().parse(CHANNEL, payload)


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("short", ["short"]),
        ("a" * 10, ["a" * 10]),
        ("a" * 11, ["a" * 10, "a"]),
        ("line one\nline two", ["line one", "line two"]),
        ("", []),
    ],
)
def test_long_text_is_split_at_the_limit_preferring_line_breaks(
    text: str, parts: list[str]
) -> None:
    assert split_text(text, 10) == parts
