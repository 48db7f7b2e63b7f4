"""Contacts in headless Chromium: tags on the inbox's contact card, searching the inbox, and
merging two records of one person from the contact page.

Screenshots land in tests/artifacts/ for a human to look at.
"""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from inbox.models.agents import Role
from tests.browser import shot, signed_in
from tests.conftest import customer_writes, make_agent

pytestmark = pytest.mark.browser


async def test_tags_are_added_and_removed_on_the_contact_card(
    browser, server, rt, http, admin, telegram_channel
):
    await make_agent(rt, "lan@example.com", Role.AGENT, name="Lan Nguyễn")
    await admin.post(
        "/api/v1/contact-attributes",
        json={
            "key": "plan",
            "label": "Plan",
            "type": "select",
            "options": ["gold"],
            "on_card": True,
        },
    )
    await customer_writes(http, telegram_channel, 81, "Đơn hàng của tôi đâu?", name="Hà Phạm")
    await customer_writes(http, telegram_channel, 81, "Cảm ơn", message_id=2, name="Hà Phạm")
    _, page_of_contacts = await admin.get("/api/v1/contacts")
    contact = page_of_contacts["items"][0]
    await admin.patch(f"/api/v1/contacts/{contact['id']}", json={"attributes": {"plan": "gold"}})

    page = await signed_in(browser, server, "lan@example.com")
    await page.locator(".conversation", has_text="Hà Phạm").click()
    card = page.locator("#contact-card")
    await expect(card.locator(".contact-card-name")).to_have_text("Hà Phạm")
    await expect(card).to_contain_text("Customer since")
    await expect(card.locator("dd", has_text="gold")).to_be_visible()

    tag_input = card.locator(".tag-input")
    await tag_input.fill("vip")
    await tag_input.press("Enter")
    await expect(card.locator(".tag", has_text="vip")).to_be_visible()
    await card.locator(".tag-input").fill("late-delivery")
    await card.locator(".tag-input").press("Enter")
    await expect(card.locator(".tag")).to_have_count(2)
    stored = await admin.get(f"/api/v1/contacts/{contact['id']}")
    assert stored[1]["tags"] == ["vip", "late-delivery"]
    await shot(page, "inbox-contact-card")

    await card.get_by_role("button", name="Remove tag vip").click()
    await expect(card.locator(".tag")).to_have_count(1)
    stored = await admin.get(f"/api/v1/contacts/{contact['id']}")
    assert stored[1]["tags"] == ["late-delivery"]

    # An edit elsewhere (another agent, the API) shows without a reload.
    await admin.patch(f"/api/v1/contacts/{contact['id']}", json={"tags": ["from-api"]})
    await expect(card.locator(".tag", has_text="from-api")).to_be_visible()
    assert page.errors == []


async def test_the_inbox_searches_as_you_type_with_or_without_accents(
    browser, server, rt, http, admin, telegram_channel
):
    await make_agent(rt, "lan@example.com", Role.AGENT)
    await customer_writes(http, telegram_channel, 91, "Giao hàng chậm quá", name="Nguyễn Thị Hoa")
    await customer_writes(http, telegram_channel, 92, "Xin báo giá", name="Trần Minh")
    page = await signed_in(browser, server, "lan@example.com")
    await expect(page.locator(".conversation")).to_have_count(2)

    await page.keyboard.press("/")
    await expect(page.locator("#search")).to_be_focused()
    await page.keyboard.type("nguy")
    await expect(page.locator(".conversation")).to_have_count(1)
    await expect(page.locator(".conversation .name")).to_have_text("Nguyễn Thị Hoa")
    await expect(page.locator("#list-title")).to_have_text("Search: nguy")
    await shot(page, "inbox-search")

    await page.locator("#search").fill("bao gia")
    await expect(page.locator(".conversation .name")).to_have_text("Trần Minh")
    await page.locator("#search").fill("zzz")
    await expect(page.locator(".list-empty")).to_contain_text("Nothing found")
    await page.locator("#search").press("Escape")
    await expect(page.locator(".conversation")).to_have_count(2)
    assert page.errors == []


async def test_two_records_of_one_person_are_merged_from_the_contact_page(
    browser, server, rt, http, admin, telegram_channel
):
    await customer_writes(http, telegram_channel, 71, "Chào shop", name="Mai Lê")
    _, found = await admin.get("/api/v1/contacts")
    telegram_person = found["items"][0]
    await admin.patch(
        f"/api/v1/contacts/{telegram_person['id']}", json={"phones": ["0903 123 456"]}
    )
    _, walk_in = await admin.post(
        "/api/v1/contacts",
        json={"name": "Chị Mai", "phones": ["+84903123456"], "emails": ["mai@example.com"]},
    )

    page = await signed_in(browser, server, "admin@example.com")
    await page.goto(f"{server.url}/contacts/{walk_in['id']}")
    suggestion = page.locator("#merge-suggestions li", has_text="Mai Lê")
    await expect(suggestion).to_contain_text("phone +84903123456")
    await suggestion.get_by_role("button", name="Merge here").click()
    await expect(page.locator("#merge-explain")).to_have_text("Mai Lê will be merged into Chị Mai.")
    await shot(page, "contact-merge-dialog")
    await page.locator("#merge-form button[type=submit]").click()

    await expect(page.locator("#contact-merges")).to_contain_text("Mai Lê")
    await expect(page.locator("#contact-identities")).to_contain_text("Telegram")
    await expect(page.locator("#contact-conversations li")).to_have_count(1)
    await expect(page.locator("#contact-conversations")).to_contain_text("Chào shop")
    await shot(page, "contact-page")

    await page.goto(f"{server.url}/contacts/{telegram_person['id']}")
    await expect(page.locator("#contact-banner")).to_contain_text("merged into another contact")
    await expect(page.locator("#contact-form input[name=name]")).to_be_disabled()
    await page.goto(f"{server.url}/contacts?q=mai")
    await expect(page.locator("#contact-rows tr")).to_have_count(1)
    await shot(page, "contacts-list")
    assert page.errors == []
