"""SLA in headless Chromium: an admin defines a calendar and a policy (seeing the server's
objections), then agents see due times and states on the ticket, the list and the inbox."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.automations.sla.test_sla import ALWAYS_OPEN, TARGETS
from tests.browser import shot, signed_in
from tests.conftest import customer_writes
from tests.tickets.helpers import conversation_of, promote

pytestmark = pytest.mark.browser


async def test_an_admin_sets_up_a_calendar_and_a_policy(browser, server, admin):
    page = await signed_in(browser, server, "admin@example.com")
    await page.goto(f"{server.url}/admin/sla")
    await expect(page.locator("#policy-rows")).to_contain_text("No SLA policy yet")

    await page.click("#new-calendar")
    dialog = page.locator("dialog[open]")
    await dialog.locator("input").first.fill("Saigon office")
    await dialog.get_by_label("Time zone").fill("Asia/Ho_Chi_Minh")
    await dialog.get_by_label("Saturday").fill("08:00-12:00, 11:00-13:00")
    await dialog.get_by_label("Public holidays of").select_option("VN")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog.locator(".field-problem")).to_contain_text("overlaps")
    await dialog.get_by_label("Saturday").fill("08:00-12:00")
    await dialog.get_by_role("button", name="Save").click()
    await expect(page.locator("#calendar-rows")).to_contain_text("Sat 08:00\u201312:00")

    await page.click("#new-policy")
    dialog = page.locator("dialog[open]")
    await dialog.locator("input").first.fill("Standard")
    await dialog.get_by_label("Urgent · First response").fill("-5")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog.locator(".problem-summary")).to_contain_text(
        "targets.urgent.first_response"
    )
    await expect(dialog).to_contain_text("Targets in business hours")
    await expect(dialog.get_by_label("Medium · Resolution")).to_have_value("48")  # 2880 minutes
    await dialog.get_by_label("Urgent · First response").fill("0.5")
    await dialog.get_by_role("button", name="Save").click()
    await expect(page.locator("#policy-rows")).to_contain_text("30m / 8h")
    await shot(page, "admin-sla")

    _, policies = await admin.get("/api/v1/sla-policies")
    assert policies["items"][0]["targets"]["urgent"]["first_response"] == 30
    assert page.errors == []


async def test_agents_see_due_times_on_the_ticket_the_list_and_the_inbox(
    browser, server, http, admin, telegram_channel
):
    _, calendar = await admin.post("/api/v1/calendars", json=ALWAYS_OPEN)
    await admin.post(
        "/api/v1/sla-policies",
        json={"name": "Standard", "calendar_id": calendar["id"], "targets": TARGETS},
    )
    await customer_writes(http, telegram_channel, 21, "Đơn hàng chưa tới", name="An Phạm")
    ticket = await promote(
        admin, (await conversation_of(admin))["id"], "Late order", priority="urgent"
    )
    await customer_writes(http, telegram_channel, 22, "Cho hỏi giờ mở cửa", name="Bình Lê")
    page = await signed_in(browser, server, "admin@example.com")

    waiting = page.locator(".conversation", has_text="Bình Lê").locator(".due.sla")
    await expect(waiting).to_have_text(
        re.compile(r"in (3h 59m|4h)")
    )  # medium: first response in 240 minutes
    await page.goto(f"{server.url}/tickets/{ticket['number']}")
    targets = page.locator("#sla-targets")
    await expect(targets.locator("[data-target=first_response]")).to_contain_text("(business time)")
    await expect(targets.locator("[data-target=resolution]")).to_contain_text(
        re.compile(r"due in (7h 59m|8h) \(business time\)")
    )
    await expect(page.locator("#sla-calendar")).to_contain_text("Standard, counted in Always open")
    await expect(targets.locator("[data-target=first_response]")).to_contain_text(
        "A person's first reply to the customer."
    )
    await expect(page.locator("#field-due-hint")).to_contain_text("The SLA's own due times")
    await admin.post(f"/api/v1/tickets/{ticket['id']}/messages", json={"text": "Đang kiểm tra"})
    await expect(targets.locator("[data-target=first_response]")).to_contain_text(
        re.compile(r"met at \d")
    )
    await shot(page, "ticket-sla")
    await page.goto(f"{server.url}/tickets?view=all")
    await expect(
        page.locator(".ticket-row", has_text="Late order").locator(".due.sla")
    ).to_have_text(re.compile(r"in (7h 59m|8h)"))  # the reply met the first response
    assert page.errors == []
