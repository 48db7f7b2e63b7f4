"""In headless Chromium: a ticket opened for a contact without a conversation starts one by
email from the composer; a customer's file the inbox could not keep says why in the thread.

Screenshots land in tests/artifacts/ for a human to look at.
"""

from __future__ import annotations

import json

import pytest
from playwright.async_api import expect

from tests.browser import shot, signed_in
from tests.conftest import eventually, facebook_posts, serving
from tests.files.test_attachment_copies import FakeCdn, messenger_image

pytestmark = pytest.mark.browser


async def test_a_reply_on_a_ticket_without_a_conversation_starts_one_by_email(
    browser, server, admin, email_channel, smtp
):
    recorder, _ = smtp
    _, contact = await admin.post(
        "/api/v1/contacts", json={"name": "Chị Lan", "emails": ["lan@example.com"]}
    )
    _, ticket = await admin.post(
        "/api/v1/tickets", json={"title": "Gọi điện hỏi hoàn tiền", "contact_id": contact["id"]}
    )

    page = await signed_in(browser, server, "admin@example.com")
    await page.goto(f"{server.url}/tickets/{ticket['number']}")
    start_on = page.locator("#start-on")
    await expect(start_on).to_be_visible()
    await expect(page.locator("#start-on-select")).to_contain_text("lan@example.com")
    await expect(page.locator("#window-note")).to_contain_text("starts one")
    await shot(page, "ticket-start-conversation")

    await page.locator("#composer-text").fill("Chào chị, em gửi lại hoá đơn ạ.")
    await page.locator("#composer-send").click()
    mail = await eventually(lambda: _first(recorder.messages))
    assert mail["To"] == "lan@example.com"
    await expect(start_on).to_be_hidden()  # later replies continue that conversation


async def test_a_file_that_was_not_kept_says_why_in_the_thread(
    browser, server, http, admin, facebook_channel
):
    async with serving(FakeCdn()) as (cdn, base):
        cdn.files["huge.mp4"] = (b"v" * (1024 * 1024 + 1), "video/mp4")
        await admin.patch(
            f"/api/v1/channels/{facebook_channel['id']}",
            json={"settings": {"max_attachment_mb": 1}},
        )
        payload = json.loads(messenger_image(f"{base}/cdn/huge.mp4"))
        message = payload["entry"][0]["messaging"][0]["message"]
        message["attachments"][0]["type"] = "video"
        message["text"] = "Video sản phẩm bị lỗi"
        await facebook_posts(http, facebook_channel, json.dumps(payload).encode())

        page = await signed_in(browser, server, "admin@example.com")
        await page.locator(".conversation").first.click()
        lost = page.locator(".attachment.lost")
        await expect(lost).to_contain_text("Not kept")
        await expect(lost).to_contain_text("larger than the 1 MB limit")
        await shot(page, "thread-attachment-not-kept")


async def _first(items):
    return items[0] if items else None


async def test_admins_pause_a_channel_set_retention_and_see_zalo_s_callback_address(
    browser, server, admin, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    page = await signed_in(browser, server, "admin@example.com")
    await page.goto(f"{server.url}/admin#channels")
    row = page.locator("#channel-rows tr", has_text="Shop bot")
    surveys = row.get_by_label("Surveys")
    await expect(surveys).to_be_checked()
    await surveys.uncheck()
    await expect(page.locator(".toast").last).to_contain_text("no longer asks for ratings")
    assert (await admin.get(f"/api/v1/channels/{telegram_channel['id']}"))[1]["settings"][
        "csat"
    ] is False
    await row.get_by_role("button", name="Disable").click()
    await expect(row).to_contain_text("Disabled")
    await expect(page.locator(".toast").last).to_contain_text("webhook removed")
    assert fake.webhook == {}

    await page.locator("#channel-kind").select_option("zalo-sign-in")
    await expect(page.locator("#channel-help")).to_contain_text(f"{server.url}/oauth/zalo/callback")
    days = page.locator("#retention-form input[name=attachment_days]")
    await days.fill("90")
    await page.locator("#retention-form button[type=submit]").click()
    await expect(page.locator(".toast").last).to_contain_text("older than 90 days")
    assert await admin.get("/api/v1/retention") == (200, {"attachment_days": 90})
    await shot(page, "admin-channels-disabled-zalo-sign-in-retention")
    await page.reload()
    await expect(days).to_have_value("90")
    await row.get_by_role("button", name="Enable").click()
    await expect(row).to_contain_text("Working")
    assert fake.webhook["url"] == telegram_channel["webhook_url"]
