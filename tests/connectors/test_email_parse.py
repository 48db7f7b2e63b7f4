"""Emails as mail servers deliver them, read into Inbound items (pure), and replies built."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.base import InboundKind, Outbound
from connectors.email_mime import build_reply, parse_email, reply_subject, split_quoted
from tests.conftest import load_fixture

OWN = "support@shop.example"


def parse(name: str):
    return parse_email(load_fixture("email", f"{name}.eml"), OWN)


def test_a_plain_message():
    item = parse("plain")

    assert item.kind == InboundKind.MESSAGE
    assert item.external_id == "CAF3kx9q2mZ=8s1@mail.example.com"
    assert item.thread_id == "CAF3kx9q2mZ=8s1@mail.example.com"
    assert (item.sender.external_id, item.sender.name, item.sender.email) == (
        "sarah.johnson@example.com",
        "Sarah Johnson",
        "sarah.johnson@example.com",
    )
    assert item.subject == "VAT invoice for my October orders"
    assert (
        item.text
        == "Hello,\n\nCould you send me the VAT invoice for orders #DH0991 and #DH0998?\n\nThanks,\nSarah"
    )
    assert item.sent_at == datetime(2026, 11, 23, 2, 11, 58, tzinfo=UTC)
    assert item.automated is False


def test_encoded_words_and_base64_utf8_round_trip_vietnamese():
    item = parse("vietnamese_subject")

    assert item.subject == "Đơn hàng #DH1024 chưa tới"
    assert item.sender.name == "Nguyễn Thị Mai"
    assert (
        item.text
        == "Đơn hàng #DH1024 đặt từ thứ Hai mà đến giờ vẫn chưa tới, shop kiểm tra giúp mình nhé."
    )


def test_an_html_only_message_gets_a_text_version_and_keeps_its_html():
    item = parse("html_only")

    assert item.text.startswith("The checkout page shows Error 502 when I pay.")
    assert "alert" not in item.text
    assert "<script>" in item.html, "the original is kept; it is sanitised when stored"


def test_attachments_come_with_their_bytes():
    item = parse("multipart_attachment")

    (attachment,) = item.attachments
    assert (attachment.type, attachment.name, attachment.mime_type) == (
        "file",
        "hoa-don-DH1024.pdf",
        "application/pdf",
    )
    assert attachment.data.startswith(b"%PDF-1.4")
    assert attachment.size == len(attachment.data)
    assert (
        item.text
        == "Chào shop,\nHóa đơn đính kèm bị sai mã số thuế công ty, nhờ shop xuất lại giúp.\nCảm ơn!"
    )


def test_a_reply_names_what_it_answers_and_its_quote_is_cut_for_display():
    item = parse("reply")

    assert item.reply_to == "inbox.OUR_MESSAGE_ID@shop.example"
    assert item.thread_id == "CAF3kx9q2mZ=8s1@mail.example.com"
    assert item.thread_hints == (
        "inbox.OUR_MESSAGE_ID@shop.example",
        "CAF3kx9q2mZ=8s1@mail.example.com",
    )
    assert item.conversation_ref == "C-000001"
    assert item.text == "Got it, thank you! One more question: can the company name be in capitals?"
    assert item.quoted.startswith("On Mon, 23 Nov 2026 at 10:05")


@pytest.mark.parametrize("name", ["auto_reply", "mailing_list"])
def test_machine_mail_is_flagged_never_dropped(name):
    item = parse(name)

    assert item.kind == InboundKind.MESSAGE
    assert item.automated is True


def test_a_bounce_names_the_message_that_failed_and_why():
    item = parse("bounce")

    assert item.kind == InboundKind.BOUNCE
    assert item.payload == "failed"
    assert item.target_ids == ("inbox.OUR_MESSAGE_ID@shop.example",)
    assert "550 5.1.1" in item.text


@pytest.mark.parametrize(
    "fixture, outcome, words",
    [
        ("bounce", "failed", "550 5.1.1"),
        ("dsn_delayed", "delayed", "4.4.1"),
        ("dsn_relayed", "delivered", "delivered"),
    ],
)
def test_a_delivery_report_says_failed_delayed_or_delivered(fixture, outcome, words):
    item = parse(fixture)

    assert item.kind == InboundKind.BOUNCE and item.payload == outcome
    assert item.target_ids == ("inbox.OUR_MESSAGE_ID@shop.example",)
    assert words in item.text


def test_our_own_mail_coming_back_is_dropped():
    looped = b"From: x@example.com\r\nTo: support@shop.example\r\nX-Loop: support@shop.example\r\nSubject: x\r\n\r\nbody"
    from_us = b"From: Shop <support@shop.example>\r\nTo: x@example.com\r\nSubject: x\r\n\r\nbody"

    assert parse_email(looped, OWN) is None
    assert parse_email(from_us, OWN) is None


def test_a_message_without_message_id_gets_a_stable_one():
    raw = b"From: x@example.com\r\nTo: support@shop.example\r\nSubject: hi\r\n\r\nbody"

    assert parse_email(raw, OWN).external_id == parse_email(raw, OWN).external_id


@pytest.mark.parametrize(
    ("text", "new", "quoted"),
    [
        (
            "Thanks!\n\nOn Tue, 1 Dec 2026, Shop wrote:\n> old",
            "Thanks!",
            "On Tue, 1 Dec 2026, Shop wrote:\n> old",
        ),
        (
            "Cảm ơn shop\n\nVào Th 2, 23 thg 11, 2026 Shop <s@shop.example> đã viết:\n> cũ",
            "Cảm ơn shop",
            "Vào Th 2, 23 thg 11, 2026 Shop <s@shop.example> đã viết:\n> cũ",
        ),
        (
            "Yes\n-----Original Message-----\nFrom: Shop",
            "Yes",
            "-----Original Message-----\nFrom: Shop",
        ),
        ("Reply\n> quoted\n> more", "Reply", "> quoted\n> more"),
        ("> only a quote", "> only a quote", None),
        ("No quote here", "No quote here", None),
        ("Inline > arrow in text\nstill mine", "Inline > arrow in text\nstill mine", None),
    ],
)
def test_quoted_history_is_split_off(text, new, quoted):
    assert split_quoted(text) == (new, quoted)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("VAT invoice", "Re: VAT invoice [#C-000007]"),
        ("Re: RE: Fwd: VAT invoice [#C-000007]", "Re: VAT invoice [#C-000007]"),
        (None, "Re: Your message [#C-000007]"),
    ],
)
def test_reply_subjects_carry_one_prefix_and_one_reference(subject, expected):
    assert reply_subject(subject, "C-000007") == expected


def test_automatic_replies_are_marked_so_autoresponders_leave_them_alone():
    out = Outbound(
        message_id="m1",
        thread_id="t",
        recipient_id="x@example.com",
        text="Hi",
        reply_to="abc@example.com",
        references=("root@example.com", "abc@example.com"),
        subject="Question",
        reference="C-000001",
        automatic=True,
    )

    message = build_reply(out, OWN, "Shop", "shop.example")

    assert message["Auto-Submitted"] == "auto-replied"
    assert message["X-Loop"] == OWN
    assert message["Message-ID"] == "<inbox.m1@shop.example>"
    assert message["In-Reply-To"] == "<abc@example.com>"
    assert message["References"] == "<root@example.com> <abc@example.com>"
