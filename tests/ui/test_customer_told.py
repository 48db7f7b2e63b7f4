"""In headless Chromium: an agent sees what the customer will be told before making a ticket,
changing its status or moving its card, can choose not to tell them (remembered), and the
thread says why the system wrote on its own."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser import shot, signed_in
from tests.conftest import customer_writes, events_settled, eventually
from tests.tickets.helpers import conversation_of, promote

pytestmark = pytest.mark.browser


async def test_the_agent_is_told_before_the_customer_is_and_may_choose_silence(
    browser, server, rt, http, admin, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    await customer_writes(http, telegram_channel, 41, "Đơn hàng chưa tới", name="Bảo Trần")
    await customer_writes(http, telegram_channel, 42, "Sai màu áo", name="Chi Lê")
    page = await signed_in(browser, server, "admin@example.com")

    await page.locator(".conversation", has_text="Bảo Trần").click()
    await expect(page.locator(".bubble.in .text")).to_have_text("Đơn hàng chưa tới")
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
    await expect(page.locator(".bubble.in .text")).to_have_text("Sai màu áo")
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


async def test_escalating_and_bulk_changes_show_or_skip_the_customer_update(
    browser, server, rt, http, admin, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    _, experts = await admin.post("/api/v1/teams", json={"name": "Kỹ thuật", "level": 2})
    for chat, name in ((51, "Bảo Trần"), (52, "Chi Lê")):
        await customer_writes(http, telegram_channel, chat, "Máy không lên nguồn", name=name)
    _, page_ = await admin.get("/api/v1/conversations")
    for conversation in page_["items"]:
        status, _ticket = await admin.post(
            f"/api/v1/conversations/{conversation['id']}/ticket?notify=false",
            json={"title": "No power"},
        )
        assert status == 201
    page = await signed_in(browser, server, "admin@example.com")

    await page.goto(f"{server.url}/tickets/T-000001")
    await page.keyboard.press("x")
    dialog = page.locator("dialog[open]")
    await dialog.get_by_label("Target team").select_option(experts["id"])
    await expect(dialog.locator(".notify-text")).to_contain_text("Kỹ thuật")
    await expect(dialog.locator(".notify-text")).to_contain_text("T-000001")
    await dialog.locator("input[name=notify]").uncheck()
    await dialog.get_by_label("Summary for the team").fill("Board fault")
    await shot(page, "customer-told-escalate")
    await dialog.get_by_role("button", name="Run").click()
    await expect(page.locator(".toast", has_text="Escalated to L2.")).to_be_visible()
    await events_settled(rt)
    assert fake.sent("sendMessage") == []  # escalated quietly

    await page.goto(f"{server.url}/tickets?view=all")
    for number in ("T-000001", "T-000002"):
        await page.get_by_label(f"Select {number}").check()
    await expect(page.locator("#bulk-notify-label")).to_be_hidden()
    await page.select_option("#bulk-status", "pending")
    await expect(page.locator("#bulk-notify")).to_be_checked()
    await page.locator("#bulk-notify").uncheck()
    await page.click("#bulk-apply")
    await expect(page.locator(".toast", has_text="2 tickets changed")).to_be_visible()
    await events_settled(rt)
    assert fake.sent("sendMessage") == []  # nobody told, as chosen

    for number in ("T-000001", "T-000002"):
        await page.get_by_label(f"Select {number}").check()
    await page.select_option("#bulk-status", "open")
    await expect(page.locator("#bulk-notify")).not_to_be_checked()  # remembered
    await page.locator("#bulk-notify").check()
    await page.click("#bulk-apply")
    await expect(page.locator(".toast", has_text="2 tickets changed").last).to_be_visible()

    async def both_told() -> list[str]:
        sent = sorted(p["text"] for p in fake.sent("sendMessage"))
        return sent if len(sent) >= 2 else []

    told = await eventually(both_told)
    assert [t.split(":")[0] for t in told] == [f"Cập nhật phiếu hỗ trợ T-00000{n}" for n in (1, 2)]
    assert page.errors == []


async def test_a_shortcut_says_what_it_will_do_and_may_leave_the_customer_untold(
    browser, server, rt, http, admin, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    status, _macro = await admin.post(
        "/api/v1/macros",
        json={
            "name": "Chờ khách",
            "inputs": [],
            "actions": [
                {"type": "set_status", "status": "pending"},
                {"type": "send_reply", "template": "Bạn gửi giúp shop ảnh sản phẩm nhé."},
            ],
        },
    )
    assert status == 201, _macro
    await customer_writes(http, telegram_channel, 53, "Áo bị rách", name="Bảo Trần")
    ticket = await promote(admin, (await conversation_of(admin))["id"], "Áo rách", quiet=True)
    page = await signed_in(browser, server, "admin@example.com")
    await page.goto(f"{server.url}/tickets/{ticket['number']}")
    await page.locator("#shortcut-bar button", has_text="Chờ khách").click()
    dialog = page.locator("dialog[open]")
    await expect(dialog.locator("li")).to_have_text(
        [
            "Set the status: Status Pending",
            "Reply to the customer: Message «Bạn gửi giúp shop ảnh sản phẩm nhé.»",
        ]
    )
    reply = "Bạn gửi giúp shop ảnh sản phẩm nhé."
    update = f"Cập nhật phiếu hỗ trợ {ticket['number']}: hiện đang chờ bạn phản hồi."
    await expect(dialog.locator(".notify-text")).to_have_text([reply, update])
    await expect(dialog).to_contain_text("It replies on Telegram · Shop bot:")
    await dialog.locator("input[name=notify]").uncheck()
    await expect(dialog.locator(".notify-text.muted")).to_have_text([update])
    await shot(page, "customer-told-shortcut")
    await dialog.get_by_role("button", name="Run").click()
    await expect(page.locator(".toast", has_text="Chờ khách done.")).to_be_visible()

    async def replied() -> list[str]:
        return [p["text"] for p in fake.sent("sendMessage")]

    assert await eventually(replied) == ["Bạn gửi giúp shop ảnh sản phẩm nhé."]
    await events_settled(rt)
    _, now = await admin.get(f"/api/v1/tickets/{ticket['id']}")
    assert now["status"] == "pending"
    assert await replied() == ["Bạn gửi giúp shop ảnh sản phẩm nhé."]  # no status update
    assert page.errors == []
