"""Email end to end: the signed raw-MIME relay, IMAP polling of a real dovecot mailbox,
and replies through a real SMTP server (aiosmtpd), threaded so answers come back."""

from __future__ import annotations

import aioimaplib
import pytest

from inbox.services import polling
from tests.conftest import (
    NO_AUTO_TICKET,
    email_config,
    eventually,
    load_fixture,
    relay_email,
)


async def conversations(client):
    _, page = await client.get("/api/v1/conversations?status=open,pending,resolved")
    return page["items"]


async def thread(client, conversation_id):
    _, page = await client.get(f"/api/v1/conversations/{conversation_id}/messages")
    return [m for m in page["items"] if m["kind"] != "activity"]


async def sent_state(admin, conversation_id, message_id, status):
    async def check():
        found = next(m for m in await thread(admin, conversation_id) if m["id"] == message_id)
        return found if found["delivery"]["status"] == status else None

    return await eventually(check)


# ---- the relay ------------------------------------------------------------------------------


async def test_connecting_signs_in_to_smtp_and_reveals_the_relay_secret_once(admin, smtp):
    _, port = smtp
    config = email_config(port)
    del config["webhook_secret"]

    status, channel = await admin.post(
        "/api/v1/channels", json={"kind": "email", "name": "Support", "config": config}
    )

    assert status == 201
    assert len(channel["webhook_secret"]) >= 32
    assert channel["settings"]["auto_ticket"] is True  # a helpdesk mailbox opens tickets
    _, again = await admin.get(f"/api/v1/channels/{channel['id']}")
    assert again["webhook_secret"] is None
    assert again["config"]["webhook_secret"].startswith("••••")
    wrong = await admin.post(
        "/api/v1/channels",
        json={"kind": "email", "name": "x", "config": {**config, "password": "wrong"}},
    )
    assert (wrong[0], wrong[1]["error"]["code"]) == (422, "channel_setup_failed")


async def test_a_signed_raw_message_is_stored_once(http, admin, email_channel):
    raw = load_fixture("email", "vietnamese_subject.eml")
    for signature in (None, "sha256=" + "0" * 64):
        status, body = await relay_email(http, email_channel, raw, signature)
        assert (status, body["error"]["code"]) == (401, "bad_signature")

    first = await relay_email(http, email_channel, raw)
    again = await relay_email(http, email_channel, raw)

    assert (first[1]["stored"], again[1]["duplicates"]) == (1, 1)
    (conversation,) = await conversations(admin)
    assert conversation["subject"] == "Đơn hàng #DH1024 chưa tới"
    assert conversation["contact"]["name"] == "Nguyễn Thị Mai"
    (message,) = await thread(admin, conversation["id"])
    assert message["subject"] == "Đơn hàng #DH1024 chưa tới"
    assert message["text"].startswith("Đơn hàng #DH1024 đặt từ thứ Hai")


async def test_html_is_sanitised_and_attachments_are_stored_and_downloadable(
    http, admin, email_channel
):
    await relay_email(http, email_channel, load_fixture("email", "html_only.eml"))
    await relay_email(http, email_channel, load_fixture("email", "multipart_attachment.eml"))

    by_subject = {c["subject"]: c for c in await conversations(admin)}
    (html_message,) = await thread(admin, by_subject["Website checkout error"]["id"])
    assert "<b>Error 502</b>" in html_message["html"]
    for dangerous in ("<script", "onclick", "javascript:", "onerror", "<style"):
        assert dangerous not in html_message["html"]
    (with_file,) = await thread(admin, by_subject["Hóa đơn bị sai mã số thuế"]["id"])
    (attachment,) = with_file["attachments"]
    assert attachment["name"] == "hoa-don-DH1024.pdf"
    async with admin.session.get(
        admin.base + attachment["url"], headers={"Authorization": f"Bearer {admin.token}"}
    ) as answer:
        assert answer.status == 200
        assert (await answer.read()).startswith(b"%PDF-1.4")
        assert answer.headers["Content-Disposition"].startswith("attachment;")


async def test_garbage_posted_with_a_valid_signature_is_a_400_and_kept(http, admin, email_channel):
    status, body = await relay_email(http, email_channel, b"\x00\x01 not an email")

    assert (status, body["error"]["code"]) == (400, "invalid_payload")
    _, letters = await admin.get(f"/api/v1/channels/{email_channel['id']}/dead-letters")
    assert len(letters["items"]) == 1


# ---- replies over SMTP --------------------------------------------------------------------


async def test_a_reply_is_sent_threaded_and_the_customers_answer_joins_the_conversation(
    http, admin, email_channel, smtp
):
    recorder, _ = smtp
    await relay_email(http, email_channel, load_fixture("email", "plain.eml"))
    (conversation,) = await conversations(admin)

    _, reply = await admin.post(
        f"/api/v1/conversations/{conversation['id']}/messages",
        json={"text": "Hi Sarah,\nthe invoices are attached to your account."},
    )

    sent = await sent_state(admin, conversation["id"], reply["id"], "sent")
    (mail,) = recorder.messages
    assert mail["To"] == "sarah.johnson@example.com"
    assert mail["From"] == "Shop support <support@shop.example>"
    assert (
        mail["Subject"] == f"Re: VAT invoice for my October orders [#{conversation['reference']}]"
    )
    assert mail["In-Reply-To"] == "<CAF3kx9q2mZ=8s1@mail.example.com>"
    assert mail["References"] == "<CAF3kx9q2mZ=8s1@mail.example.com>"
    assert mail["Message-ID"] == f"<{sent['external_id']}>"
    assert mail["Auto-Submitted"] is None, "an agent's reply is not automatic"
    body = mail.get_body(("plain",)).get_content().replace("\r\n", "\n").strip()
    assert body == "Hi Sarah,\nthe invoices are attached to your account."

    answer = load_fixture("email", "reply.eml").replace(
        b"inbox.OUR_MESSAGE_ID@shop.example", sent["external_id"].encode()
    )
    await relay_email(http, email_channel, answer)

    (same,) = await conversations(admin)
    assert same["id"] == conversation["id"]
    latest = (await thread(admin, conversation["id"]))[-1]
    assert (
        latest["text"]
        == "Got it, thank you! One more question: can the company name be in capitals?"
    )
    assert latest["quoted"].startswith("On Mon, 23 Nov 2026")


async def test_a_subject_reference_finds_the_conversation_when_headers_were_lost(
    http, admin, email_channel
):
    await relay_email(http, email_channel, load_fixture("email", "plain.eml"))
    (conversation,) = await conversations(admin)
    raw = (
        b"From: Sarah Johnson <sarah.johnson@example.com>\r\nTo: support@shop.example\r\n"
        b"Message-ID: <forwarded-1@example.com>\r\n"
        b"Subject: Fwd: invoice [#" + conversation["reference"].encode() + b"]\r\n\r\nSee below"
    )

    await relay_email(http, email_channel, raw)

    (same,) = await conversations(admin)
    assert [m["text"] for m in await thread(admin, same["id"])][-1] == "See below"


async def test_auto_replies_and_lists_are_stored_but_flagged(http, admin, email_channel):
    await relay_email(http, email_channel, load_fixture("email", "mailing_list.eml"))

    (conversation,) = await conversations(admin)
    (message,) = await thread(admin, conversation["id"])
    assert message["automated"] is True


async def test_a_bounce_marks_our_message_failed_with_the_servers_reason(
    http, admin, email_channel
):
    await relay_email(http, email_channel, load_fixture("email", "plain.eml"))
    (conversation,) = await conversations(admin)
    _, reply = await admin.post(
        f"/api/v1/conversations/{conversation['id']}/messages", json={"text": "Hi"}
    )
    sent = await sent_state(admin, conversation["id"], reply["id"], "sent")
    bounce = load_fixture("email", "bounce.eml").replace(
        b"inbox.OUR_MESSAGE_ID@shop.example", sent["external_id"].encode()
    )

    status, _body = await relay_email(http, email_channel, bounce)

    assert status == 200
    failed = await sent_state(admin, conversation["id"], reply["id"], "failed")
    assert "550 5.1.1" in failed["delivery"]["error"]
    assert len(await conversations(admin)) == 1, "a bounce opens no conversation"


@pytest.mark.parametrize(
    "fixture, status, note",
    [("dsn_delayed", "sent", "Delivery delayed"), ("dsn_relayed", "sent", None)],
)
async def test_a_delay_report_is_shown_and_a_success_report_changes_nothing(
    http, admin, email_channel, fixture, status, note
):
    await relay_email(http, email_channel, load_fixture("email", "plain.eml"))
    (conversation,) = await conversations(admin)
    _, reply = await admin.post(
        f"/api/v1/conversations/{conversation['id']}/messages", json={"text": "Hi"}
    )
    sent = await sent_state(admin, conversation["id"], reply["id"], "sent")
    report = load_fixture("email", f"{fixture}.eml").replace(
        b"inbox.OUR_MESSAGE_ID@shop.example", sent["external_id"].encode()
    )

    answer, _ = await relay_email(http, email_channel, report)

    assert answer == 200
    _, page = await admin.get(f"/api/v1/conversations/{conversation['id']}/messages")
    message = next(m for m in page["items"] if m["id"] == reply["id"])
    assert message["delivery"]["status"] == status
    if note:
        assert note in message["delivery"]["error"]
        assert message["delivery"]["history"][-1]["outcome"] == "delayed"
    else:
        assert message["delivery"]["error"] is None
    assert len(await conversations(admin)) == 1, "a report opens no conversation"


async def test_a_refused_recipient_fails_and_a_temporary_refusal_is_retried(
    http, admin, email_channel, smtp
):
    recorder, _ = smtp
    recorder.refuse_recipients["sarah.johnson@example.com"] = "550 5.1.1 User unknown"
    await relay_email(http, email_channel, load_fixture("email", "plain.eml"))
    (conversation,) = await conversations(admin)
    _, first = await admin.post(
        f"/api/v1/conversations/{conversation['id']}/messages", json={"text": "Hi"}
    )
    failed = await sent_state(admin, conversation["id"], first["id"], "failed")
    assert "550 5.1.1 User unknown" in failed["delivery"]["error"]

    recorder.refuse_recipients.clear()
    recorder.data_failures.append("451 4.3.0 Try again later")
    _, second = await admin.post(
        f"/api/v1/conversations/{conversation['id']}/messages", json={"text": "Hi again"}
    )
    sent = await sent_state(admin, conversation["id"], second["id"], "sent")
    assert sent["delivery"]["attempts"] == 2


async def test_an_uploaded_file_goes_out_as_a_mime_attachment(http, admin, email_channel, smtp):
    import aiohttp

    recorder, _ = smtp
    await relay_email(http, email_channel, load_fixture("email", "plain.eml"))
    (conversation,) = await conversations(admin)
    form = aiohttp.FormData(quote_fields=False)  # as browsers send it: the UTF-8 name as is
    form.add_field(
        "file", "Hóa đơn VAT".encode(), filename="hóa đơn.txt", content_type="text/plain"
    )
    _, uploaded = await admin.post("/api/v1/files", data=form)

    _, reply = await admin.post(
        f"/api/v1/conversations/{conversation['id']}/messages",
        json={"text": "Attached", "attachment_ids": [uploaded["id"]]},
    )

    await sent_state(admin, conversation["id"], reply["id"], "sent")
    (attachment,) = recorder.messages[0].iter_attachments()
    assert attachment.get_filename() == "hóa đơn.txt"
    assert attachment.get_payload(decode=True) == "Hóa đơn VAT".encode()


# ---- IMAP polling --------------------------------------------------------------------------


async def deliver_to_mailbox(port: int, login: str, password: str, raw: bytes) -> None:
    client = aioimaplib.IMAP4(host="127.0.0.1", port=port)
    await client.wait_hello_from_server()
    await client.login(login, password)
    await client.append(raw, mailbox="INBOX")
    await client.logout()


async def mailbox_flags(port: int, login: str, password: str) -> list[str]:
    client = aioimaplib.IMAP4(host="127.0.0.1", port=port)
    await client.wait_hello_from_server()
    await client.login(login, password)
    await client.select("INBOX")
    answer = await client.fetch("1:*", "(FLAGS)")
    await client.logout()
    return [line.decode() for line in answer.lines if isinstance(line, bytes) and b"FETCH" in line]


async def mailbox_channel(admin, smtp, dovecot_server, password=None):
    """An email channel reading a fresh dovecot mailbox, its login shared with SMTP."""
    recorder, smtp_port = smtp
    login, real_password = dovecot_server.add_user()
    recorder.logins[login] = real_password
    config = email_config(
        smtp_port,
        imap_host="127.0.0.1",
        imap_port=dovecot_server.port,
        use_tls=False,
        username=login,
        password=password or real_password,
    )
    status, channel = await admin.post(
        "/api/v1/channels",
        json={"kind": "email", "name": "Support", "config": config, "settings": NO_AUTO_TICKET},
    )
    return status, channel, login, real_password


async def test_polling_reads_new_mail_once_and_leaves_the_mailbox_as_it_was(
    admin, rt, smtp, dovecot_server
):
    status, channel, login, password = await mailbox_channel(admin, smtp, dovecot_server)
    assert status == 201, channel
    for name in ("plain", "vietnamese_subject"):
        await deliver_to_mailbox(
            dovecot_server.port, login, password, load_fixture("email", f"{name}.eml")
        )

    first = await polling.poll_all(rt)
    await deliver_to_mailbox(
        dovecot_server.port, login, password, load_fixture("email", "html_only.eml")
    )
    second = await polling.poll_all(rt)
    third = await polling.poll_all(rt)

    assert (first[channel["id"]], second[channel["id"]], third[channel["id"]]) == (2, 1, 0)
    subjects = sorted(c["subject"] for c in await conversations(admin))
    assert subjects == [
        "VAT invoice for my October orders",
        "Website checkout error",
        "Đơn hàng #DH1024 chưa tới",
    ]
    flags = await mailbox_flags(dovecot_server.port, login, password)
    assert len(flags) == 3
    assert not any("\\Seen" in f or "\\Deleted" in f for f in flags), (
        "mail stays unread and in place"
    )


async def test_a_new_uidvalidity_rereads_the_folder_without_storing_twice(
    admin, rt, smtp, dovecot_server
):
    status, channel, login, password = await mailbox_channel(admin, smtp, dovecot_server)
    assert status == 201, channel
    await deliver_to_mailbox(
        dovecot_server.port, login, password, load_fixture("email", "plain.eml")
    )
    await polling.poll_all(rt)
    await rt.store.db["channels"].update_one({}, {"$set": {"poll_state.uidvalidity": 1}})

    again = await polling.poll_all(rt)

    assert again[channel["id"]] == 1
    (conversation,) = await conversations(admin)
    assert len(await thread(admin, conversation["id"])) == 1


async def test_a_wrong_mailbox_password_is_refused_when_connecting(admin, smtp, dovecot_server):
    _recorder, _ = smtp
    status, body, _login, _ = await mailbox_channel(admin, smtp, dovecot_server, password="wrong")

    assert status == 422
    assert "refused the login" in body["error"]["message"]


async def test_a_mailbox_that_starts_refusing_shows_on_the_channel(admin, rt, smtp, dovecot_server):
    _status, channel, _login, _ = await mailbox_channel(admin, smtp, dovecot_server)
    doc = await rt.store.db["channels"].find_one({})
    secrets = {**rt.secrets.decrypt(doc["secrets"]), "password": "changed-by-someone"}
    await rt.store.db["channels"].update_one({}, {"$set": {"secrets": rt.secrets.encrypt(secrets)}})

    assert await polling.poll_all(rt) == {channel["id"]: 0}

    _, after = await admin.get(f"/api/v1/channels/{channel['id']}")
    assert after["health"]["state"] == "mailbox_error"
    assert "refused the login" in after["health"]["message"]
