"""In headless Chromium, in Vietnamese, on a phone: a customer signs in to the portal from
the emailed link, finds an answer in a department's FAQ (counted), then opens a request
with a photo; the agent sees it live, replies and adds a note; the customer is emailed,
sees the reply live (never the note), marks it solved and rates; the agent sees the rating.

Screenshots land in tests/artifacts/ for a human to look at.
"""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser import shot, signed_in
from tests.portal.helpers import LINK, latest_mail, mails_to, text_of

pytestmark = pytest.mark.browser

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99"
    b"=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


async def test_the_whole_customer_path_in_vietnamese(
    browser, server, http, admin, email_channel, smtp, tmp_path
):
    recorder, _ = smtp
    await admin.put(
        "/api/v1/portal",
        json={
            "name": "Shop Lan",
            "email_channel_id": email_channel["id"],
            "colour": "#0f766e",
            "support_hours": "Thứ Hai - Thứ Bảy, 8:00-18:00",
        },
    )
    _, faq = await admin.post(
        "/api/v1/faqs",
        json={"question": "Bao lâu thì nhận được hàng?", "answer": "Từ 2 đến 4 ngày làm việc."},
    )
    _, desk = await admin.post(
        "/api/v1/portal/departments",
        json={"name": "Giao hàng", "description": "Đơn hàng, vận chuyển", "faq_ids": [faq["id"]]},
    )

    phone = await browser.new_page(viewport={"width": 390, "height": 844})
    errors: list[str] = []
    phone.on("pageerror", lambda error: errors.append(str(error)))
    await phone.goto(f"{server.url}/portal/new?lang=vi")
    await expect(phone.locator("h1")).to_have_text("Theo dõi yêu cầu của bạn")
    await phone.locator("input[name=email]").fill("lan@example.com")
    await phone.get_by_role("button", name="Gửi cho tôi liên kết đăng nhập").click()
    await expect(phone.locator(".notice")).to_contain_text("lan@example.com")
    await shot(phone, "portal-sign-in-phone")
    mail = await latest_mail(recorder, "lan@example.com")
    assert "Liên kết đăng nhập" in mail["Subject"]
    await phone.goto(server.url + LINK.search(text_of(mail)).group(1))
    await phone.get_by_role("button", name="Tiếp tục tới yêu cầu của tôi").click()
    await phone.wait_for_url("**/portal/new*")

    await phone.locator(".portal-department", has_text="Giao hàng").click()
    entry = phone.locator(".faq-entry", has_text="Bao lâu thì nhận được hàng?")
    await entry.locator("summary").click()
    await shot(phone, "portal-faq-first-phone")
    await entry.get_by_role("button", name="Câu này đã trả lời thắc mắc của tôi").click()
    await expect(phone.locator("#deflected")).to_be_visible()
    _, counted = await admin.get(f"/api/v1/portal/departments/{desk['id']}")
    assert counted["deflections"] == 1

    agent = await signed_in(browser, server, "admin@example.com")
    await agent.goto(f"{server.url}/tickets")
    await agent.click("#ticket-views button[data-view=all]")

    await phone.goto(f"{server.url}/portal/new")
    await phone.locator(".portal-department", has_text="Giao hàng").click()
    await phone.get_by_role("button", name="Không có câu hỏi của tôi: viết cho chúng tôi").click()
    await phone.locator("input[name=title]").fill("Hộp bị móp khi nhận")
    await phone.locator("textarea[name=description]").fill("Hộp đơn DH-1002 bị móp, xem ảnh.")
    photo = tmp_path / "hop-mop.png"
    photo.write_bytes(PNG)
    await phone.locator("input[type=file]").set_input_files(str(photo))
    await shot(phone, "portal-request-form-phone")
    await phone.get_by_role("button", name="Gửi yêu cầu").click()
    await phone.wait_for_url("**/portal/tickets/T-*")
    number = phone.url.rsplit("/", 1)[1]
    await expect(phone.locator("#ticket-stage")).to_have_text("Đã nhận")
    await expect(phone.locator("#thread a.file")).to_have_text("hop-mop.png")

    row = agent.locator(".ticket-row, tr, .ticket-card", has_text=number).first
    await expect(row).to_be_visible()
    await agent.goto(f"{server.url}/tickets/{number}")
    await expect(agent.locator("#window-note")).to_contain_text("customer's portal")
    await agent.locator("#composer-text").fill("Chúng tôi sẽ đổi hộp mới cho bạn.")
    await agent.keyboard.press("Control+Enter")
    await expect(agent.locator(".bubble", has_text="đổi hộp mới")).to_be_visible()
    await expect(agent.locator("#composer-text")).to_have_value("")  # the reply went
    await expect(agent.locator("#composer-send")).to_be_enabled()
    await agent.locator(".composer-tabs [data-mode=note]").click()
    await agent.locator("#composer-text").fill("Kho HCM còn hộp, gửi trong ngày")
    await agent.keyboard.press("Control+Enter")
    await expect(agent.locator(".bubble.note")).to_contain_text("Kho HCM")

    await expect(phone.locator("#thread")).to_contain_text("Chúng tôi sẽ đổi hộp mới cho bạn.")
    await expect(phone.locator("#ticket-stage")).to_have_text("Đang xử lý")
    assert "Kho HCM" not in await phone.locator("#thread").inner_text()

    async def answer_mail():
        for mail in mails_to(recorder, "lan@example.com"):
            if "đổi hộp mới" in text_of(mail):
                return mail
        return None

    from tests.conftest import eventually

    notice = await eventually(answer_mail)
    assert number in notice["Subject"]
    answer = agent.locator("#ticket-notices li", has_text="answer to lan@example.com")
    await expect(answer).to_contain_text("sent ✓")
    await agent.locator("#notices-box").scroll_into_view_if_needed()
    await shot(agent, "ticket-notices")
    await shot(phone, "portal-ticket-answered-phone")

    await phone.get_by_role("button", name="Vấn đề của tôi đã được giải quyết").click()
    await expect(phone.locator("#ticket-stage")).to_have_text("Đã xử lý")
    await expect(phone.locator("#survey")).to_be_visible()
    await phone.locator("#survey-comment").fill("Đổi hàng nhanh")
    await phone.locator("#survey [data-rating='5']").click()
    await expect(phone.locator("#survey-thanks")).to_contain_text("5 trên 5")
    await shot(phone, "portal-ticket-rated-phone")

    await agent.goto(f"{server.url}/tickets/{number}")
    await expect(agent.locator("#ticket-facts")).to_contain_text("5/5")
    await expect(agent.locator("#ticket-facts")).to_contain_text("Đổi hàng nhanh")
    await shot(agent, "ticket-from-portal")

    await phone.goto(f"{server.url}/portal")
    await expect(phone.locator(".portal-request", has_text=number)).to_contain_text("Đã xử lý")
    await shot(phone, "portal-my-requests-phone")
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    assert errors == []


async def test_admins_set_up_the_portal_and_its_departments(browser, server, admin, email_channel):
    await admin.post(
        "/api/v1/faqs",
        json={"question": "Phí giao hàng bao nhiêu?", "answer": "30.000đ nội thành."},
    )
    page = await signed_in(browser, server, "admin@example.com")
    await page.goto(f"{server.url}/admin/portal")
    await expect(page.locator("#portal-warning")).to_be_visible()
    form = page.locator("#portal-form")
    await form.locator("input[name=name]").fill("Shop Lan")
    channel = form.locator("select[name=email_channel_id]")
    address = email_channel["config"]["address"]
    await channel.select_option(label=f"Shop support · {address}")  # told apart by address
    await form.get_by_role("button", name="Save").click()
    await expect(page.locator("#portal-warning")).to_be_hidden()
    _, portal = await admin.get("/api/v1/portal")
    assert portal["name"] == "Shop Lan" and portal["email_channel_id"] == email_channel["id"]

    await page.get_by_role("button", name="New department").click()
    dialog = page.locator("dialog")
    await dialog.locator("label", has_text="Name").locator("input").fill("Giao hàng")
    await dialog.locator("label.check", has_text="Phí giao hàng").locator("input").check()
    await dialog.get_by_role("button", name="Save").click()
    row = page.locator("#department-rows tr", has_text="Giao hàng")
    await expect(row).to_contain_text("Phí giao hàng bao nhiêu?")
    sms = page.locator("#sms-form")
    await sms.locator("input[name=enabled]").check()
    await sms.locator("input[name=url]").fill("https://sms.example/send")
    await sms.locator("input[name=auth_header]").fill("X-Api-Key")
    await sms.locator("input[name=auth_value]").fill("secret-key")
    await sms.get_by_role("button", name="Save").click()
    await expect(sms.locator("input[name=auth_value]")).to_have_attribute(
        "placeholder", "kept; type to replace"
    )
    _, gateway = await admin.get("/api/v1/portal/sms")
    assert gateway["enabled"] and gateway["gateway"]["url"] == "https://sms.example/send"
    await shot(page, "admin-portal")
    assert page.errors == []
