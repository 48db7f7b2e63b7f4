"""In headless Chromium: an agent sees what the customer will be told before making a ticket,
changing its status or moving its card, can choose not to tell them (remembered), and the
thread says why the system wrote on its own."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser import shot, signed_in
from tests.conftest import customer_writes, events_settled

pytestmark = pytest.mark.browser


async def test_the_agent_is_told_before_the_customer_is_and_may_choose_silence(
    browser, server, rt, http, admin, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    await customer_writes(http, telegram_channel, 41, "Đơn hàng chưa tới", name="Bảo Trần")
    await customer_writes(http, telegram_channel, 42, "Sai màu áo", name="Chi Lê")
    page = await signed_in(browser, server, "admin@example.com")

    await page.locator(".conversation", has_text="Bảo Trần").click()
    await page.keyboard.press("t")
    notice = page.locator("#promote-notice")
    await expect(notice).to_contain_text("Tell the customer on Telegram")
    await expect(notice.locator(".notify-text")).to_contain_text("Chúng tôi đã nhận yêu cầu")
    await expect(notice.locator(".notify-text")).to_contain_text("T-000001")
    await notice.locator("input[name=notify]").uncheck()
    await shot(page, "customer-told-promote")
    await page.locator("#promote-dialog button[type=submit]").click()
    await expect(page.locator("#thread-ticket")).to_have_text("T-000001")
    await events_settled(rt)
    assert fake.sent("sendMessage") == []  # the customer was not told, as chosen

    await page.locator(".conversation", has_text="Chi Lê").click()
    await page.keyboard.press("t")
    box = page.locator("#promote-notice input[name=notify]")
    await expect(box).not_to_be_checked()  # the choice is remembered
    await box.check()
    await page.locator("#promote-dialog button[type=submit]").click()
    await expect(page.locator("#thread-ticket")).to_have_text("T-000002")

    await page.goto(f"{server.url}/tickets/T-000002")
    await page.select_option("#field-status", "pending")
    dialog = page.locator(".notify-dialog")
    told = "Cập nhật phiếu hỗ trợ T-000002: hiện đang chờ bạn phản hồi."
    await expect(dialog.locator(".notify-text")).to_have_text(told)
    await shot(page, "customer-told-status")
    await page.keyboard.press("Enter")
    await expect(page.locator("#ticket-status")).to_have_text("Pending")
    await expect(page.locator(".bubble", has_text=told).locator(".because")).to_have_text(
        "Sent automatically because Ada Admin set the status to Pending."
    )
    await shot(page, "customer-told-thread")
    texts = [p["text"] for p in fake.sent("sendMessage")]
    assert texts[-1] == told and len([t for t in texts if t == told]) == 1

    await page.goto(f"{server.url}/tickets?view=all&layout=board")
    card = page.locator(".board-card", has_text="T-000001")
    await card.drag_to(page.locator(".board-column[data-status=on_hold]"))
    await expect(dialog.locator(".notify-text")).to_contain_text("T-000001")
    await dialog.locator("button", has_text="Cancel").click()
    await expect(page.locator(".board-column[data-status=new] .board-card")).to_have_count(1)
    _, one = await admin.get("/api/v1/tickets/T-000001")
    assert one["status"] == "new"  # cancelled: nothing changed

    await card.drag_to(page.locator(".board-column[data-status=on_hold]"))
    await dialog.locator("input[name=notify]").uncheck()
    await dialog.locator("button.primary").click()
    await expect(page.locator(".board-column[data-status=on_hold] .board-card")).to_have_count(1)
    await events_settled(rt)
    assert len(fake.sent("sendMessage")) == len(texts)  # moved quietly
    assert page.errors == []
