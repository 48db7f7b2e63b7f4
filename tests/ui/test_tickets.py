"""Tickets in headless Chromium: promote from the inbox, work the board and the list, the ticket
page with a mention that reaches a colleague live."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from inbox.models.agents import Role
from tests.browser import shot, signed_in
from tests.conftest import customer_writes, eventually, make_agent

pytestmark = pytest.mark.browser


async def test_promote_in_the_inbox_then_move_on_the_board_and_see_it_in_the_list(
    browser, server, rt, http, admin, telegram_channel
):
    await make_agent(rt, "lan@example.com", Role.AGENT, name="Lan Nguyễn")
    await customer_writes(
        http, telegram_channel, 31, "Đơn hàng #DH77 bị giao sai màu", name="Bảo Trần"
    )
    page = await signed_in(browser, server, "lan@example.com")

    await page.locator(".conversation", has_text="Bảo Trần").click()
    await expect(page.locator(".bubble.in .text")).to_have_text("Đơn hàng #DH77 bị giao sai màu")
    await page.keyboard.press("t")
    dialog = page.locator("#promote-dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog.locator("input[name=title]")).to_have_value(
        "Đơn hàng #DH77 bị giao sai màu"
    )
    await dialog.locator("input[name=title]").fill("Wrong colour delivered")
    await dialog.locator("select[name=priority]").select_option("high")
    await shot(page, "tickets-promote")
    await dialog.locator("button[type=submit]").click()

    chip = page.locator("#thread-ticket")
    await expect(chip).to_have_text("T-000001")
    await expect(page.locator("#promote")).to_be_hidden()
    await expect(page.locator(".activity", has_text="T-000001")).to_be_visible()

    await page.click("nav.topnav a[href='/tickets']")
    await page.wait_for_url("**/tickets**")
    await page.click("#ticket-views button[data-view=all]")
    row = page.locator(".ticket-row", has_text="Wrong colour delivered")
    await expect(row).to_be_visible()
    await expect(row.locator(".status-pill")).to_have_text("New")

    await page.click(".layout-switch button[data-layout=board]")
    card = page.locator(".board-card", has_text="Wrong colour delivered")
    await expect(page.locator(".board-column[data-status=new] .board-card")).to_have_count(1)
    await card.drag_to(page.locator(".board-column[data-status=pending]"))
    await page.locator(".notify-dialog button.primary").click()  # (tells the customer)
    await expect(page.locator(".board-column[data-status=pending] .board-card")).to_have_count(1)
    await expect(page.locator(".toast", has_text="T-000001")).to_be_visible()
    await shot(page, "tickets-board")

    _, ticket = await admin.get("/api/v1/tickets/T-000001")
    assert ticket["status"] == "pending"
    await page.click(".layout-switch button[data-layout=list]")
    await expect(row.locator(".status-pill")).to_have_text("Pending")
    await shot(page, "tickets-list")
    assert page.errors == []


async def test_a_refused_move_on_the_board_puts_the_card_back(
    browser, server, rt, http, admin, telegram_channel
):
    await make_agent(rt, "lan@example.com", Role.AGENT, name="Lan Nguyễn")
    await customer_writes(http, telegram_channel, 31, "help")
    _, page_ = await admin.get("/api/v1/conversations")
    status, ticket = await admin.post(
        f"/api/v1/conversations/{page_['items'][0]['id']}/ticket", json={"title": "Needs a look"}
    )
    assert status == 201
    await admin.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": "resolved"})
    page = await signed_in(browser, server, "lan@example.com")

    await page.goto(f"{server.url}/tickets?view=all&layout=board")
    card = page.locator(".board-column[data-status=resolved] .board-card")
    await expect(card).to_have_count(1)
    await card.drag_to(page.locator(".board-column[data-status=on_hold]"))
    await page.locator(".notify-dialog button.primary").click()

    await expect(page.locator(".toast.error")).to_have_text(
        "A ticket that is Resolved cannot become On hold; it can become Closed, Open."
    )
    await expect(page.locator(".board-column[data-status=resolved] .board-card")).to_have_count(1)


async def test_the_ticket_page_edits_fields_and_a_mention_reaches_a_colleague_live(
    browser, server, rt, http, admin, telegram_channel
):
    await make_agent(rt, "lan@example.com", Role.AGENT, name="Lan Nguyễn")
    await make_agent(rt, "minh@example.com", Role.AGENT, name="Minh Trần")
    await customer_writes(http, telegram_channel, 31, "Máy không lên nguồn", name="Bảo Trần")
    _, conversations = await admin.get("/api/v1/conversations")
    _, ticket = await admin.post(
        f"/api/v1/conversations/{conversations['items'][0]['id']}/ticket",
        json={"title": "No power"},
    )
    lan = await signed_in(browser, server, "lan@example.com")
    minh = await signed_in(browser, server, "minh@example.com")
    await minh.goto(f"{server.url}/tickets")
    await expect(minh.locator("#live-status")).to_have_attribute("data-state", "live")

    await lan.goto(f"{server.url}/tickets/{ticket['number']}")
    await expect(lan.locator("#ticket-title")).to_have_text("No power")
    await lan.select_option("#field-priority", "urgent")
    await expect(lan.locator("#ticket-status")).to_have_text("New")
    await lan.keyboard.press("n")
    await lan.locator("#composer-text").type("@Mi")
    await expect(lan.locator(".mention-list li")).to_have_count(1)
    await lan.keyboard.press("Enter")
    await lan.locator("#composer-text").type("please check the power board")
    await lan.keyboard.press("Control+Enter")
    await expect(lan.locator(".bubble.note")).to_contain_text(
        "@Minh Trần please check the power board"
    )

    await expect(minh.locator("#bell-count")).to_have_text("1")
    await minh.click("#bell")
    item = minh.locator(".bell-item", has_text="please check the power board")
    await expect(item).to_be_visible()
    await shot(minh, "tickets-bell")
    await item.click()
    await minh.wait_for_url(f"**/tickets/{ticket['id']}")
    await expect(minh.locator(".bubble.note")).to_contain_text("please check the power board")
    await expect(minh.locator("#viewers")).to_contain_text("Lan Nguyễn")

    async def priority_saved() -> bool:
        _, now = await admin.get(f"/api/v1/tickets/{ticket['id']}")
        return now["priority"] == "urgent"

    await eventually(priority_saved)
    await lan.click("[data-tab=history]")
    await expect(lan.locator("#history li").first).to_contain_text("Urgent")
    await shot(lan, "ticket-page")
    assert lan.errors == [] and minh.errors == []


async def test_admins_set_up_categories_fields_and_customer_updates(browser, server, rt):
    await make_agent(rt, "boss@example.com", Role.ADMIN, name="Boss")
    page = await signed_in(browser, server, "boss@example.com")
    await page.goto(f"{server.url}/admin#tickets")

    form = page.locator("#category-form")
    await form.locator("input[name=name]").fill("Orders")
    await form.locator("button[type=submit]").click()
    await expect(page.locator("#category-rows")).to_contain_text("Orders")
    await form.locator("select[name=parent_id]").select_option(label="Orders")
    await form.locator("input[name=name]").fill("Returns")
    await form.locator("button[type=submit]").click()
    await expect(page.locator("#category-rows tr")).to_have_count(2)

    fields = page.locator("#field-form")
    await fields.locator("input[name=label]").fill("Carrier")
    await fields.locator("input[name=key]").fill("carrier")
    await fields.locator("select[name=type]").select_option("select")
    await fields.locator("input[name=options]").fill("GHN, GHTK")
    await fields.locator("button[type=submit]").click()
    await expect(page.locator("#field-rows")).to_contain_text("GHN, GHTK")

    created = page.locator(".update-card[data-event=created]")
    await created.locator("input[type=checkbox]").uncheck()
    await created.locator("textarea").first.fill("Ticket {number} is open.")
    await created.locator("button.primary").click()
    await expect(page.locator(".toast")).to_contain_text("Saved")
    resolved = page.locator(".update-card[data-event=resolved]")
    await resolved.locator("textarea").first.fill("Hello {name}")
    await resolved.locator("button.primary").click()
    await expect(page.locator(".toast.error")).to_contain_text("unknown placeholders")
    await shot(page, "admin-tickets")

    categories = await rt.store["categories"].find({}, sort=[("level", 1)]).to_list(None)
    assert [c["name"] for c in categories] == ["Orders", "Returns"]
    setting = await rt.store["customer_updates"].find_one({"_id": "created"})
    assert setting["enabled"] is False and setting["templates"]["en"] == "Ticket {number} is open."
    assert page.errors == []
