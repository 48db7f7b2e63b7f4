"""In headless Chromium: the reports page draws its figures and chart, follows a change of
period and filter, and downloads the agents table as CSV.

Screenshots land in tests/artifacts/ for a human to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.browser import shot, signed_in
from tests.reports.test_figures import history

pytestmark = pytest.mark.browser


async def test_the_overview_charts_filters_and_downloads(
    browser, server, http, admin, agent, rt, telegram_channel, fake_telegram
):
    await history(http, admin, agent, rt, telegram_channel)
    page = await signed_in(browser, server, "admin@example.com")
    await page.click("nav.topnav a[href='/reports']")
    cards = page.locator("#cards")
    await expect(cards.locator(".report-card", has_text="Conversations opened")).to_contain_text(
        "6"
    )
    await expect(cards.locator(".report-card", has_text="Bot: resolved alone")).to_contain_text("1")
    await expect(cards.locator(".report-card", has_text="First response, median")).to_contain_text(
        "in business hours"
    )
    series = await page.evaluate(
        "window.Chart.getChart(document.getElementById('daily-chart'))"
        ".data.datasets.map((set) => set.label)"
    )
    assert series[-1] == "Conversations opened, previous period" and len(series) == 5
    await shot(page, "reports-overview")
    await expect(page.locator("#ratings li")).to_have_count(2)
    await page.select_option("#ratings-only", "low")
    await expect(page.locator("#ratings li")).to_have_text(["No ratings in this period."])
    await page.select_option("#ratings-only", "")
    await expect(page.locator("#sla-rows")).to_contain_text("No target missed")
    await expect(page.locator("#heat-map td", has_text="5")).to_have_count(1)
    await page.locator("#heat-map").scroll_into_view_if_needed()
    await shot(page, "reports-hours-and-ratings")

    await page.click("[data-preset=today]")
    await expect(page.locator("[data-preset=today]")).to_have_attribute("aria-pressed", "true")
    await page.select_option("select[name=agent]", label="Andy Agent")
    await expect(page.locator("#agent-rows tr")).to_have_count(1)
    await expect(page.locator("#agent-rows")).to_contain_text("Andy Agent")

    async with page.expect_download() as waiting:
        await page.click("#agents-csv")
    download = await waiting.value
    text = Path(await download.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("agent_id,name,conversations.opened")
    assert "Andy Agent" in text
    assert page.errors == []
