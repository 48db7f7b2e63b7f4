"""The bot in headless Chromium: an admin sets a channel's bot up in /admin/bots, adds an FAQ
entry and tries a question; a customer is then greeted; an agent takes over from the bot."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser import shot, signed_in
from tests.conftest import customer_writes, eventually

pytestmark = pytest.mark.browser


async def test_an_admin_sets_up_the_bot_and_an_agent_takes_over(
    browser, server, http, admin, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    _, billing = await admin.post("/api/v1/teams", json={"name": "Billing"})
    page = await signed_in(browser, server, "admin@example.com")
    await page.goto(f"{server.url}/admin/bots")

    form = page.locator("#bot-form")
    await form.get_by_label("The bot answers new conversations on this channel").check()
    await form.get_by_label("Greeting").fill("Chào bạn! Shop có thể giúp gì?")
    await form.get_by_role("button", name="+ Option").click()
    await form.get_by_label("Option").fill("Thanh toán")
    await form.get_by_label("Team").select_option(billing["id"])
    await form.get_by_role("button", name="Save the bot").click()

    async def saved() -> dict | None:
        status, bot = await admin.get(f"/api/v1/channels/{telegram_channel['id']}/bot")
        return bot if status == 200 and bot["enabled"] else None

    bot = await eventually(saved)
    assert bot["options"] == [{"label": "Thanh toán", "team_id": billing["id"], "questions": []}]
    await expect(form.locator(".problem-summary")).to_be_hidden()

    await page.click("#new-faq")
    dialog = page.locator("dialog[open]")
    await dialog.get_by_label("Question", exact=True).fill("Phí giao hàng là bao nhiêu?")
    await dialog.get_by_label("Answer").fill("Miễn phí cho đơn từ 300.000đ.")
    await dialog.get_by_role("button", name="Save").click()
    await expect(page.locator("dialog[open]")).to_have_count(0)
    await expect(page.locator("#faq-rows")).to_contain_text("Phí giao hàng là bao nhiêu?")
    await page.get_by_label("Try a question").fill("phi giao hang bao nhieu")
    await page.get_by_role("button", name="Try", exact=True).click()
    await expect(page.locator("#faq-try-result")).to_contain_text("Miễn phí cho đơn từ 300.000đ.")
    await shot(page, "admin-bots")

    await customer_writes(http, telegram_channel, 77, "Xin chào", name="Hà Vy")

    async def greeted() -> list:
        return fake.sent()

    (greeting,) = await eventually(greeted)
    assert greeting["text"].startswith("Chào bạn! Shop có thể giúp gì?")
    await page.goto(f"{server.url}/inbox?status=bot")
    await page.locator(".conversation", has_text="Hà Vy").click()
    await page.get_by_role("button", name="Take over from the bot").click()
    await expect(page.locator("#thread-status")).to_have_text("Open")
    await expect(page.locator("#assignee-select")).to_have_value(str(admin.agent["_id"]))
    assert page.errors == []
