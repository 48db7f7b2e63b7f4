"""On a phone (390 x 844) in headless Chromium: the inbox goes from the list to a conversation
and back, the folders open as a drawer, the bell and sign-out stay on screen, and the ticket
list and ticket page fit the width with their fields reachable."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser import shot
from tests.conftest import customer_writes
from tests.tickets.helpers import promote

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


async def fits(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


async def on_screen(page: Page, selector: str) -> None:
    await expect(page.locator(selector)).to_be_visible()
    box = await page.locator(selector).bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (selector, box)


async def test_an_agent_works_from_a_phone(browser, server, http, admin, telegram_channel):
    await customer_writes(http, telegram_channel, 71, "Đơn hàng chưa tới", name="Bảo Trần")
    await customer_writes(http, telegram_channel, 72, "Sai màu áo", name="Chi Lê")
    _, page_ = await admin.get("/api/v1/conversations")
    chi = next(c for c in page_["items"] if c["contact"]["name"] == "Chi Lê")
    ticket = await promote(admin, chi["id"], "Sai màu", quiet=True)
    page = await browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    await page.goto(f"{server.url}/login")
    await page.fill("input[name=email]", "admin@example.com")
    await page.fill("input[name=password]", "correct horse battery")
    await page.click("button[type=submit]")
    await page.wait_for_url("**/inbox**")

    await expect(page.locator(".conversation").first).to_be_visible()
    await fits(page)
    for selector in ("#bell", ".topbar button[type=submit]", "#availability"):
        await on_screen(page, selector)
    await shot(page, "phone-inbox-list")

    await page.locator(".conversation", has_text="Bảo Trần").click()
    await expect(page.locator(".bubble.in .text")).to_have_text("Đơn hàng chưa tới")
    await expect(page.locator(".list-pane")).to_be_hidden()
    await fits(page)
    await shot(page, "phone-inbox-thread")
    await page.click("#thread-back")
    await expect(page.locator(".list-pane")).to_be_visible()

    await page.click("#folders-open")
    await on_screen(page, "#folders")
    await shot(page, "phone-inbox-folders")
    await page.mouse.click(360, 400)  # beside the drawer: it closes
    await expect(page.locator("#folders")).to_be_hidden()
    await page.click("#folders-open")
    await page.locator("#statuses [data-status=pending]").click()
    await expect(page.locator("#folders")).to_be_hidden()
    await expect(page.locator("#list-title")).to_contain_text("Pending")

    await page.click("#bell")
    await on_screen(page, "#bell-panel")
    await page.click("#bell")

    await page.goto(f"{server.url}/tickets?view=all")
    await expect(page.locator(".ticket-row").first).to_be_visible()
    await fits(page)
    await page.click("#folders-open")
    await on_screen(page, "#ticket-folders")
    await page.locator("#ticket-views [data-view=all]").click()
    await expect(page.locator("#ticket-folders")).to_be_hidden()
    await shot(page, "phone-tickets")

    await page.goto(f"{server.url}/tickets/{ticket['number']}")
    await expect(page.locator("#ticket-title")).to_have_text("Sai màu")
    await fits(page)
    await page.locator("#field-priority").scroll_into_view_if_needed()
    await on_screen(page, "#field-priority")
    await page.select_option("#field-priority", "urgent")
    await expect(page.locator("#fields-saved")).to_contain_text("Saved")
    await shot(page, "phone-ticket-fields")
