"""In headless Chromium, the small things an agent and an admin notice: `?` shows the ticket
page's shortcuts, a field edited in place says it was saved, a mention is highlighted in the
note without a doubled space, *Give back to the bot* beside *Take over*, channels of the same
name told apart, and the Telegram form's Bot API address explained."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from inbox.models.agents import Role
from tests.automations.bot.test_flows import bot_for
from tests.browser import shot, signed_in
from tests.conftest import customer_writes, eventually, make_agent
from tests.tickets.helpers import conversation_of, promote

pytestmark = pytest.mark.browser


async def test_the_ticket_page_shortcuts_saved_fields_and_mentions(
    browser, server, rt, http, admin, telegram_channel, fake_telegram
):
    await make_agent(rt, "minh@example.com", Role.AGENT, name="Minh Trần")
    await customer_writes(http, telegram_channel, 61, "Máy không lên nguồn", name="Bảo Trần")
    ticket = await promote(admin, (await conversation_of(admin))["id"], "No power", quiet=True)
    page = await signed_in(browser, server, "admin@example.com")
    await page.goto(f"{server.url}/tickets/{ticket['number']}")
    await expect(page.locator("#ticket-title")).to_have_text("No power")

    await page.keyboard.press("?")
    shortcuts = page.locator("#ticket-page-shortcuts")
    await expect(shortcuts).to_be_visible()
    await expect(shortcuts).to_contain_text("Private note")
    await page.keyboard.press("Escape")
    await expect(shortcuts).to_be_hidden()

    await page.select_option("#field-priority", "urgent")
    await expect(page.locator("#fields-saved")).to_contain_text("Saved ✓")

    await page.keyboard.press("n")
    await page.locator("#composer-text").type("@Mi")
    await expect(page.locator(".mention-list li")).to_have_count(1)
    await page.keyboard.press("Enter")
    await page.locator("#composer-text").type(" xem giúp bảng nguồn")  # a space, as people do
    await expect(page.locator("#composer-text")).to_have_value("@Minh Trần xem giúp bảng nguồn")
    await page.keyboard.press("Control+Enter")
    mention = page.locator(".bubble.note mark.mention")
    await expect(mention).to_have_text("@Minh Trần")
    await shot(page, "ticket-mention-saved")
    assert page.errors == []


async def test_give_back_to_the_bot_and_channels_told_apart(
    browser, server, rt, http, admin, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    await bot_for(admin, telegram_channel)
    await customer_writes(http, telegram_channel, 62, "Xin chào", name="Bảo Trần")
    page = await signed_in(browser, server, "admin@example.com")

    await page.click("#statuses [data-status=bot]")
    await page.locator(".conversation", has_text="Bảo Trần").click()
    await page.click("#take-over")
    give_back = page.locator("#give-back")
    await expect(give_back).to_be_visible()
    await expect(page.locator("#take-over")).to_be_hidden()
    menus = len(fake.sent())
    await give_back.click()
    await expect(page.locator("#take-over")).to_be_visible()

    async def menu_again() -> bool:
        return len(fake.sent()) > menus

    assert await eventually(menu_again)  # the bot offered its menu again

    await page.goto(f"{server.url}/admin#channels")
    row = page.locator("#channel-rows tr", has_text=telegram_channel["name"])
    await expect(row.locator(".channel-identity")).to_have_text("@shop_test_bot")
    await page.select_option("#channel-kind", "telegram")
    await expect(page.locator("#channel-fields")).to_contain_text("Bot API address")
    await expect(page.locator("#channel-help")).to_contain_text("wrong address is reported")
    assert page.errors == []
