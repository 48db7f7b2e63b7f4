"""Every agent and admin page, drawn in Vietnamese on the demo data (with what its scripts
build: tabs opened, a conversation, a ticket and a rule shown), holds no sentence of the
English catalogue left untranslated and no API name (`on_hold`, `message.created`).

Data may be English (the demo has English-speaking customers); the check is on the product's
own words: each catalogue string whose Vietnamese differs must not appear in English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from playwright.async_api import Page, expect

from inbox import demo
from tests.browser import shot
from tests.conftest import make_agent

pytestmark = pytest.mark.browser

LOCALE = Path(__file__).resolve().parents[2] / "inbox" / "web" / "locale"
API_NAMES = re.compile(
    r"\b[a-z]+(?:_[a-z]+)+\b|\b(?:conversation|message|ticket|sla|csat)\.[a-z_]+\b"
)
TEMPLATE_VARIABLES = re.compile(r"\{\{[^}]*\}\}")
"""Template variables ({{ticket.number}}) are what admins type: shown as they are."""
ALLOWED = {"order_value"}
"""API names a page shows on purpose: the example key of a new ticket field (keys admins
define are shown as code and not checked)."""
PROPER_NAMES = {"Telegram", "Facebook", "Zalo", "Email", "CSV", "SLA", "OA", "URL", "Bot API"}


def english_strings() -> list[str]:
    """The catalogue's sentences whose Vietnamese is different (placeholders left out)."""
    with (LOCALE / "vi" / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalog = read_po(file, locale="vi")
    found = []
    for message in catalog:
        text = message.id if isinstance(message.id, str) else None
        if not text or "{" in text or "%(" in text or text in PROPER_NAMES:
            continue
        if message.string and message.string != text and len(text) >= 6:
            found.append(text)
    return sorted(found, key=len, reverse=True)


async def words_on(page: Page) -> list[str]:
    """The visible text of the page, line by line, with placeholders, titles and labels."""
    return await page.evaluate(
        """() => {
          const code = new Set([...document.querySelectorAll("code, kbd")].map((node) => node.innerText.trim()));
          const lines = document.body.innerText.split(/[\\n\\t]/).filter((line) => !code.has(line.trim()));
          for (const node of document.querySelectorAll("[placeholder], [title], [aria-label]")) {
            if (!node.checkVisibility || !node.checkVisibility()) continue;
            for (const name of ["placeholder", "title", "aria-label"]) {
              const value = node.getAttribute(name);
              if (value) lines.push(value);
            }
          }
          return lines.map((line) => line.trim()).filter(Boolean);
        }"""
    )


def english_left(lines: list[str], english: list[str]) -> list[str]:
    problems = []
    for line in lines:
        if line in english:
            problems.append(f"untranslated: {line!r}")
            continue
        for sentence in english:
            if len(sentence) >= 14 and sentence in line:
                problems.append(f"untranslated in {line!r}: {sentence!r}")
                break
        for name in API_NAMES.findall(TEMPLATE_VARIABLES.sub("", line)):
            if name not in ALLOWED and "@" not in line and "://" not in line:
                problems.append(f"API name {name!r} in {line!r}")
    return problems


async def test_every_page_speaks_vietnamese(browser, server, rt):
    await demo.seed(rt)
    await make_agent(rt, "sep@example.com", role="admin", name="Sếp Hạnh")
    page = await browser.new_page(viewport={"width": 1400, "height": 860}, locale="vi-VN")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(f"{server.url}/login")
    await page.fill("input[name=email]", "sep@example.com")
    await page.fill("input[name=password]", "correct horse battery")
    await page.click("button[type=submit]")
    await page.wait_for_url("**/inbox**")
    english = english_strings()
    data = {channel["name"] async for channel in rt.store["channels"].find({}, {"name": 1})}
    assert len(english) > 300
    problems: dict[str, list[str]] = {}

    async def check(name: str) -> None:
        await page.wait_for_load_state("networkidle")
        lines = [line for line in await words_on(page) if line not in data]  # names people gave
        found = english_left(lines, english)
        if found:
            problems[name] = sorted(set(found))

    await expect(page.locator(".conversation").first).to_be_visible()
    await page.locator(".conversation").first.click()
    await expect(page.locator(".bubble").first).to_be_visible()
    await check("inbox")
    await page.keyboard.press("?")
    await check("inbox shortcuts")
    await page.keyboard.press("Escape")

    await page.goto(f"{server.url}/tickets?view=all")
    await expect(page.locator(".ticket-row").first).to_be_visible()
    await check("tickets")
    await page.click(".layout-switch button[data-layout=board]")
    await check("tickets board")
    await page.goto(f"{server.url}/tickets/T-000001")
    await expect(page.locator(".bubble").first).to_be_visible()
    await check("ticket")
    await page.click("[data-tab=history]")
    await check("ticket history")
    await page.keyboard.press("x")
    await expect(page.locator("dialog[open]")).to_be_visible()
    await page.locator("dialog[open] select").first.select_option(index=1)
    await expect(page.locator("dialog[open] .notify-box")).to_be_visible()
    await check("escalate dialog")
    await page.keyboard.press("Escape")
    await page.keyboard.press("?")
    await check("ticket shortcuts")
    await page.keyboard.press("Escape")

    await page.goto(f"{server.url}/contacts")
    await expect(page.locator("#contact-rows tr, .contact-row").first).to_be_visible()
    await check("contacts")
    await page.goto(f"{server.url}/reports")
    await expect(page.locator("#cards .report-card").first).to_be_visible()
    await check("reports")

    await page.goto(f"{server.url}/admin")
    for tab in await page.locator("[role=tab][data-tab]").all():
        await tab.click()
        await check(f"admin {await tab.get_attribute('data-tab')}")
    await page.goto(f"{server.url}/admin/rules")
    await page.locator(".rule-item").first.click()
    await expect(
        page.locator("#rule-editor .condition-row, #rule-editor .action-row").first
    ).to_be_visible()
    await check("rules")
    for tab in await page.locator("[role=tab][data-tab]").all():
        await tab.click()
        await check(f"rules {await tab.get_attribute('data-tab')}")
    for path in ("/admin/sla", "/admin/bots", "/admin/portal"):
        await page.goto(f"{server.url}{path}")
        await check(path)
    await shot(page, "vietnamese-portal-admin")

    assert problems == {}, "\n".join(
        f"{page_}: {p}" for page_, found in problems.items() for p in found
    )
    assert errors == []
