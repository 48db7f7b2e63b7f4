"""The agent's inbox in headless Chromium: sign in, live updates, reply, keyboard, escaping.

Screenshots land in tests/artifacts/ for a human to look at.
"""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from inbox.models.agents import Role
from tests.browser import shot, signed_in
from tests.conftest import customer_writes, make_agent
from tests.fakes.slowness import Slowness

pytestmark = pytest.mark.browser


async def test_an_agent_answers_a_customer_without_reloading(
    browser, server, rt, http, admin, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    await make_agent(rt, "lan@example.com", Role.AGENT, name="Lan Nguyễn")
    page = await signed_in(browser, server, "lan@example.com")
    await expect(page.locator(".list-empty")).to_be_visible()

    await customer_writes(http, telegram_channel, 77, "Cho mình hỏi giá áo khoác?", name="Bảo Trần")

    item = page.locator(".conversation", has_text="Bảo Trần")
    await expect(item).to_be_visible()
    await expect(item.locator(".unread-badge")).to_have_text("1")
    await item.click()
    await expect(page.locator(".bubble.in .text")).to_have_text("Cho mình hỏi giá áo khoác?")
    await expect(item.locator(".unread-badge")).to_have_count(0)

    await page.keyboard.press("r")
    await page.keyboard.type("Dạ áo khoác giá 450.000đ ạ")
    await page.keyboard.press("Control+Enter")

    bubble = page.locator(".bubble.out", has_text="Dạ áo khoác giá 450.000đ ạ")
    await expect(bubble.locator(".delivery")).to_have_attribute("data-status", "sent")
    assert fake.sent()[-1]["text"] == "Dạ áo khoác giá 450.000đ ạ"
    await expect(page.locator("#assignee-select")).to_have_value(
        str((await rt.store.db["agents"].find_one({"email": "lan@example.com"}))["_id"])
    )

    await customer_writes(
        http, telegram_channel, 77, "Có size L không?", message_id=2, name="Bảo Trần"
    )
    await expect(page.locator(".bubble.in .text").last).to_have_text("Có size L không?")
    await shot(page, "inbox-thread")
    assert page.errors == []


async def test_private_notes_and_status_changes_from_the_keyboard(
    browser, server, rt, http, admin, telegram_channel
):
    await make_agent(rt, "lan@example.com", Role.AGENT)
    await customer_writes(http, telegram_channel, 77, "Hello")
    page = await signed_in(browser, server, "lan@example.com")
    await expect(page.locator(".conversation")).to_have_count(1)

    await page.keyboard.press("j")
    await expect(page.locator("#thread-status")).to_have_text("Open")
    await page.keyboard.press("n")
    await page.keyboard.type("Check the order in the ERP first")
    await page.keyboard.press("Control+Enter")
    await expect(page.locator(".bubble.note .text")).to_have_text(
        "Check the order in the ERP first"
    )
    await expect(page.locator("#composer-text")).to_have_value("")
    await page.keyboard.press("Escape")
    await page.keyboard.press("e")

    await expect(page.locator("#thread-status")).to_have_text("Resolved")
    await expect(
        page.locator(".activity", has_text="changed the status from Open to Resolved")
    ).to_be_visible()
    await expect(page.locator(".conversation")).to_have_count(0)
    await page.keyboard.press("?")
    await expect(page.locator("#shortcuts")).to_be_visible()
    await shot(page, "inbox-shortcuts")
    assert page.errors == []


async def test_customer_text_is_shown_as_text_never_as_html(
    browser, server, rt, http, admin, telegram_channel
):
    await make_agent(rt, "lan@example.com", Role.AGENT)
    attack = '<img src=x onerror="window.hacked=1"><script>window.hacked=2</script>'
    await customer_writes(http, telegram_channel, 77, attack, name="<b>Mallory</b>")
    page = await signed_in(browser, server, "lan@example.com")

    await page.locator(".conversation").first.click()

    await expect(page.locator(".bubble.in .text")).to_have_text(attack)
    await expect(page.locator(".conversation .name")).to_have_text("<b>Mallory</b>")
    assert await page.evaluate("window.hacked") is None
    assert await page.locator(".bubble img").count() == 0


async def test_a_failed_delivery_is_visible_and_can_be_retried(
    browser, server, rt, http, admin, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    fake.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    await make_agent(rt, "lan@example.com", Role.AGENT)
    await customer_writes(http, telegram_channel, 77, "Hello")
    page = await signed_in(browser, server, "lan@example.com")
    await page.locator(".conversation").first.click()

    await page.fill("#composer-text", "Are you still there?")
    await page.click("#composer-send")

    failed = page.locator(".bubble.failed")
    await expect(failed.locator(".delivery-error")).to_contain_text(
        "Forbidden: bot was blocked by the user"
    )
    await shot(page, "inbox-failed-delivery")
    await failed.locator(".delivery-retry").click()
    await expect(page.locator(".bubble.out .delivery")).to_have_attribute("data-status", "sent")


async def test_a_reply_that_may_have_arrived_asks_the_agent_what_to_do(
    browser, server, rt, http, admin, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    fake.slowness = Slowness(drop=True)  # takes the message, then drops the connection
    await make_agent(rt, "lan@example.com", Role.AGENT)
    await customer_writes(http, telegram_channel, 77, "Hello")
    page = await signed_in(browser, server, "lan@example.com")
    await page.locator(".conversation").first.click()

    await page.fill("#composer-text", "Your parcel left this morning")
    await page.click("#composer-send")

    unsure = page.locator(".bubble.unsure")
    await expect(unsure.locator(".delivery")).to_have_text("May have been delivered")
    await expect(unsure.locator(".delivery-error")).to_contain_text("Check with the customer")
    await shot(page, "inbox-may-have-been-delivered")
    await unsure.locator(".delivery-confirm").click()
    await expect(page.locator(".bubble.out .delivery")).to_have_attribute("data-status", "sent")
    assert len(fake.accepted) == 1, "confirmed, not sent again"
    assert page.errors == []


async def test_agents_see_who_else_is_viewing(browser, server, rt, http, admin, telegram_channel):
    await make_agent(rt, "lan@example.com", Role.AGENT, name="Lan")
    await make_agent(rt, "minh@example.com", Role.AGENT, name="Minh")
    await customer_writes(http, telegram_channel, 77, "Hello")
    lan = await signed_in(browser, server, "lan@example.com")
    minh = await signed_in(browser, server, "minh@example.com")

    await lan.locator(".conversation").first.click()
    await minh.locator(".conversation").first.click()

    await expect(minh.locator("#viewers")).to_have_text("Lan also viewing")
    await expect(lan.locator("#viewers")).to_have_text("Minh also viewing")
    await minh.fill("#composer-text", "typing…")
    await expect(lan.locator("#viewers")).to_have_text("Minh typing…")
    await shot(lan, "inbox-collision")


async def test_the_interface_speaks_vietnamese(browser, server, rt):
    await make_agent(rt, "lan@example.com", Role.AGENT, language="vi")
    page = await signed_in(browser, server, "lan@example.com")

    await expect(page.locator("#list-title")).to_contain_text("Tất cả")
    await expect(page.locator(".composer-tabs button").first).to_contain_text("Trả lời")


async def test_files_are_attached_from_the_composer(
    browser, server, rt, http, admin, telegram_channel, fake_telegram, tmp_path
):
    fake, _ = fake_telegram
    await make_agent(rt, "lan@example.com", Role.AGENT)
    await customer_writes(http, telegram_channel, 77, "Gửi mình bảng giá nhé")
    page = await signed_in(browser, server, "lan@example.com")
    await page.locator(".conversation").first.click()
    price_list = tmp_path / "bang-gia.pdf"
    price_list.write_bytes(b"%PDF-1.4 price list")

    await page.set_input_files("#composer-attach", str(price_list))
    await expect(page.locator(".file-chip")).to_contain_text("bang-gia.pdf")
    await page.fill("#composer-text", "Bảng giá đây ạ")
    await page.click("#composer-send")

    bubble = page.locator(".bubble.out", has_text="Bảng giá đây ạ")
    await expect(bubble.locator(".delivery")).to_have_attribute("data-status", "sent")
    await expect(bubble.locator(".attachment")).to_have_text("File: bang-gia.pdf")
    await expect(page.locator(".file-chip")).to_have_count(0)
    (document,) = fake.sent("sendDocument")
    assert document["caption"] == "Bảng giá đây ạ"


async def test_a_closed_messaging_window_is_explained_and_blocks_replies_not_notes(
    browser, server, rt, http, admin, facebook_channel
):
    from datetime import UTC, datetime, timedelta

    from tests.conftest import facebook_posts, load_fixture

    await make_agent(rt, "lan@example.com", Role.AGENT)
    await facebook_posts(http, facebook_channel, load_fixture("facebook", "text_message.json"))
    await rt.store.db["conversations"].update_many(
        {}, {"$set": {"last_customer_message_at": datetime.now(UTC) - timedelta(days=2)}}
    )
    page = await signed_in(browser, server, "lan@example.com")

    await page.locator(".conversation").first.click()

    await expect(page.locator("#window-note")).to_contain_text("within 24 hours")
    await expect(page.locator("#composer-send")).to_be_disabled()
    await page.keyboard.press("n")
    await expect(page.locator("#window-note")).to_be_hidden()
    await expect(page.locator("#composer-send")).to_be_enabled()
    await shot(page, "inbox-window-closed")


async def test_an_email_shows_its_subject_quote_and_formatted_body_safely(
    browser, server, rt, http, admin, email_channel
):
    from tests.conftest import load_fixture, relay_email

    await make_agent(rt, "lan@example.com", Role.AGENT)
    await relay_email(http, email_channel, load_fixture("email", "html_only.eml"))
    page = await signed_in(browser, server, "lan@example.com")
    await page.locator(".conversation").first.click()

    bubble = page.locator(".bubble.in")
    await expect(bubble.locator(".subject")).to_have_text("Website checkout error")
    await bubble.get_by_role("button", name="Show formatted").click()

    frame = bubble.locator("iframe.html-body")
    await expect(frame).to_have_attribute("sandbox", "")
    await expect(page.frame_locator("iframe.html-body").locator("b")).to_have_text("Error 502")
    await shot(page, "inbox-email")
    assert page.errors == []
