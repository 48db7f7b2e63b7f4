"""Zalo OA events, as Zalo sends them, parsed into Inbound items (pure, no I/O)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from connectors.base import Attachment, ChannelRef, Inbound, InboundKind, PayloadInvalid, Sender
from connectors.zalo import ZaloConnector
from tests.conftest import load_fixture

CHANNEL = ChannelRef(id="c1", kind="zalo", name="Shop OA", config={}, webhook_url="")
USER = Sender(external_id="2468458835291979")


def at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def parse(name: str) -> list[Inbound]:
    return ZaloConnector().parse(CHANNEL, json.loads(load_fixture("zalo", f"{name}.json")))


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        (
            "user_send_text",
            [
                Inbound(
                    kind=InboundKind.MESSAGE,
                    external_id="96d3cdf3af150460909",
                    thread_id=USER.external_id,
                    sender=USER,
                    sent_at=at(1795000000000),
                    text="Cho mình hỏi giá combo gia đình",
                )
            ],
        ),
        (
            "user_send_image",
            [
                Inbound(
                    kind=InboundKind.MESSAGE,
                    external_id="a1b2c3d4e5f6a7b8c9d0",
                    thread_id=USER.external_id,
                    sender=USER,
                    sent_at=at(1795000060000),
                    text="Hàng bị móp hộp",
                    attachments=(Attachment("image", url="https://zalo-file-dl.zadn.vn/abc.jpg"),),
                )
            ],
        ),
        (
            "user_send_file",
            [
                Inbound(
                    kind=InboundKind.MESSAGE,
                    external_id="f1e2d3c4b5a697887766",
                    thread_id=USER.external_id,
                    sender=USER,
                    sent_at=at(1795000120000),
                    attachments=(
                        Attachment(
                            "file",
                            url="https://zalo-file-dl.zadn.vn/files/hoa-don.pdf",
                            name="hoa-don.pdf",
                            size=48213,
                        ),
                    ),
                )
            ],
        ),
        (
            "user_send_sticker",
            [
                Inbound(
                    kind=InboundKind.MESSAGE,
                    external_id="5t1ck3r0000000000001",
                    thread_id=USER.external_id,
                    sender=USER,
                    sent_at=at(1795000180000),
                    attachments=(
                        Attachment(
                            "sticker",
                            url="https://zalo-api.zadn.vn/api/emoticon/sticker/webpc?eid=12345",
                        ),
                    ),
                )
            ],
        ),
        (
            "user_send_location",
            [
                Inbound(
                    kind=InboundKind.MESSAGE,
                    external_id="10c4710n000000000001",
                    thread_id=USER.external_id,
                    sender=USER,
                    sent_at=at(1795000240000),
                    attachments=(
                        Attachment("location", url="https://maps.google.com/?q=10.7769,106.7009"),
                    ),
                )
            ],
        ),
        (
            "user_send_link",
            [
                Inbound(
                    kind=InboundKind.MESSAGE,
                    external_id="11nk0000000000000001",
                    thread_id=USER.external_id,
                    sender=USER,
                    sent_at=at(1795000300000),
                    text="Mẫu này nè shop\nhttps://shop.example/ao-khoac-gio",
                )
            ],
        ),
        (
            "oa_send_text",
            [
                Inbound(
                    kind=InboundKind.ECHO,
                    external_id="0a5e0d7e47000000001",
                    thread_id=USER.external_id,
                    sender=USER,
                    sent_at=at(1795000600000),
                    text="Dạ combo gia đình giá 499k ạ",
                )
            ],
        ),
        (
            "anonymous_send_text",
            [
                Inbound(
                    kind=InboundKind.MESSAGE,
                    external_id="an0n000000000000001",
                    thread_id="9911882277336644",
                    sender=Sender(external_id="9911882277336644"),
                    sent_at=at(1795000660000),
                    text="Shop có giao hàng tối không?",
                )
            ],
        ),
        (
            "user_received_message",
            [
                Inbound(
                    kind=InboundKind.DELIVERY,
                    external_id="user_received_message:2468458835291979:1795000480000",
                    thread_id=USER.external_id,
                    sender=USER,
                    target_ids=("REPLACED_BY_TEST",),
                )
            ],
        ),
        (
            "user_seen_message",
            [
                Inbound(
                    kind=InboundKind.READ,
                    external_id="user_seen_message:2468458835291979:1795000540000",
                    thread_id=USER.external_id,
                    sender=USER,
                    target_ids=("REPLACED_BY_TEST",),
                )
            ],
        ),
        ("follow", []),
        ("unfollow", []),
    ],
)
def test_parse(fixture, expected):
    assert parse(fixture) == expected


@pytest.mark.parametrize(
    "payload", [[], {"app_id": "1"}, {"event_name": "user_send_text", "message": {}}]
)
def test_bodies_that_are_not_oa_events_are_refused(payload):
    with pytest.raises(PayloadInvalid):
        ZaloConnector().parse(CHANNEL, payload)
