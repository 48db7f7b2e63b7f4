"""In headless Chromium: the customer rates from the survey email's link and adds a comment;
the agent sees the rating on the ticket and in its thread.

Screenshots land in tests/artifacts/ for a human to look at.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.browser import shot, signed_in
from tests.conftest import eventually, load_fixture, relay_email

pytestmark = pytest.mark.browser


async def test_a_customer_rates_by_email_and_the_agent_sees_it_on_the_ticket(
    browser, server, http, admin, email_channel, smtp
):
    recorder, _ = smtp
    await relay_email(http, email_channel, load_fixture("email", "plain.eml"))
    _, page_of = await admin.get("/api/v1/conversations")
    conversation = page_of["items"][0]
    _, ticket = await admin.post(
        f"/api/v1/conversations/{conversation['id']}/ticket", json={"title": "VAT invoices"}
    )
    await admin.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": "resolved"})

    async def survey_link():
        for mail in recorder.messages:
            body = mail.get_body(("plain",)).get_content()
            found = re.search(r"^4 \S+\s+(http\S+)", body, re.MULTILINE)
            if found:
                return found.group(1).strip()
        return None

    link = await eventually(survey_link)
    customer = await browser.new_page(viewport={"width": 390, "height": 844})
    await customer.goto(link)
    await expect(customer.locator(".survey-thanks")).to_contain_text("4 out of 5")
    await customer.locator("textarea[name=comment]").fill("Quick and friendly, thank you.")
    await customer.get_by_role("button", name="Send").click()
    await expect(customer.locator("textarea[name=comment]")).to_have_value(
        "Quick and friendly, thank you."
    )
    await shot(customer, "survey-page-phone")

    page = await signed_in(browser, server, "admin@example.com")
    await page.goto(f"{server.url}/tickets/{ticket['number']}")
    facts = page.locator("#ticket-facts")
    await expect(facts).to_contain_text("4/5")
    await expect(facts).to_contain_text("Quick and friendly")
    await expect(page.locator(".activity", has_text="rated the help")).to_have_count(2)
    await shot(page, "ticket-satisfaction")
    await page.goto(f"{server.url}/contacts/{ticket['contact']['id']}")
    await expect(page.locator("#contact-tickets .csat")).to_contain_text("4/5")
