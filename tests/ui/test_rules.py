"""Rules and shortcuts in headless Chromium: an admin builds a rule (and sees the API's
objections next to the inputs), a customer message sets it off, the run log explains it;
rules reorder by keyboard; an agent escalates from the shortcut bar."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.automations.helpers import add_rule, online_agent
from tests.automations.rules.test_engine import DEFAULT_RULES
from tests.browser import shot, signed_in
from tests.conftest import customer_writes, eventually

pytestmark = pytest.mark.browser


async def test_an_admin_builds_a_rule_and_sees_it_act(
    browser, server, http, admin, telegram_channel
):
    _, billing = await admin.post("/api/v1/teams", json={"name": "Billing"})
    page = await signed_in(browser, server, "admin@example.com")
    await page.goto(f"{server.url}/admin/rules")
    names = page.locator(".rule-item .rule-name")
    await expect(names).to_have_text([*DEFAULT_RULES])  # every inbox has them

    await page.click("#new-rule")
    editor = page.locator("#rule-editor")
    await editor.locator("input[name=name]").fill("Refunds go to Billing")
    await editor.get_by_role("button", name="+ Condition").click()
    text_row = editor.locator(".condition-row").nth(1)
    await text_row.get_by_label("Field").select_option("message.text")
    await text_row.get_by_label("Operator").select_option("contains")
    await text_row.get_by_label("Value").fill("refund")
    first = editor.locator(".action-row").nth(0)
    await first.get_by_label("Action").select_option("assign_team")
    await first.locator(".action-params select").first.select_option(billing["id"])
    await editor.get_by_role("button", name="+ Action").click()
    await editor.get_by_role("button", name="Create rule").click()

    tag_input = editor.locator(".action-row").nth(1).locator("input[type=text]")
    await expect(tag_input).to_have_attribute("aria-invalid", "true")
    await expect(editor.locator(".problem-summary")).to_contain_text("actions.1.tag")
    await shot(page, "rules-invalid")
    await tag_input.fill("refund")
    await editor.get_by_role("button", name="Create rule").click()
    await expect(page.locator(".toast", has_text="Rule created.")).to_be_visible()
    await expect(names).to_have_text([*DEFAULT_RULES, "Refunds go to Billing"])

    await customer_writes(http, telegram_channel, 7, "Hi, I would like a refund")

    async def routed() -> dict | None:
        _, found = await admin.get("/api/v1/conversations")
        item = found["items"][0] if found["items"] else None
        return item if item and item["tags"] == ["refund"] else None

    conversation = await eventually(routed)
    assert conversation["team_id"] == billing["id"]
    run = editor.locator(".run").first
    for _ in range(10):  # the run's record is finished a moment after its actions act
        await editor.get_by_role("button", name="Refresh").click()
        try:
            await expect(run.locator(".run-status")).to_have_text("matched", timeout=1500)
            break
        except AssertionError:
            continue
    await expect(run.locator(".run-status")).to_have_text("matched")
    await expect(run).to_contain_text("added tag refund")
    await shot(page, "rules-run-log")
    assert page.errors == []


async def test_the_builder_and_the_run_log_speak_the_admins_words(
    browser, server, http, admin, telegram_channel
):
    _, billing = await admin.post("/api/v1/teams", json={"name": "Billing"})
    rule = await add_rule(
        admin,
        name="Billing customers are VIPs",
        event="message.created",
        conditions={
            "all": [
                {"field": "message.direction", "operator": "equals", "value": "in"},
                {"field": "conversation.team_id", "operator": "equals", "value": billing["id"]},
            ]
        },
        actions=[{"type": "add_tag", "tag": "vip"}],
    )
    await customer_writes(http, telegram_channel, 7, "Xin chào")
    page = await signed_in(browser, server, "admin@example.com")
    await page.goto(f"{server.url}/admin/rules")
    await page.locator(".rule-item", has_text="Billing customers are VIPs").click()
    editor = page.locator("#rule-editor")
    rows = editor.locator(".condition-row")
    direction = rows.nth(0)
    assert await direction.get_by_label("Field").evaluate("s => s.selectedOptions[0].text") == (
        "Message · direction"
    )
    assert await direction.get_by_label("Value").evaluate("s => s.selectedOptions[0].text") == (
        "from the customer"
    )
    team = rows.nth(1)
    assert await team.get_by_label("Field").evaluate("s => s.selectedOptions[0].text") == (
        "Conversation · team"
    )
    labels = await editor.locator("select option").evaluate_all("os => os.map((o) => o.text)")
    assert not [label for label in labels if "_" in label or " id" in label], labels

    run = editor.locator(".run").first
    for _ in range(10):  # the worker logs the run a moment after the message
        await editor.get_by_role("button", name="Refresh").click()
        try:
            await expect(run.locator(".run-status")).to_have_text("did not match", timeout=1500)
            break
        except AssertionError:
            continue
    await expect(run).to_contain_text("A message arrives or is sent")
    await expect(run).to_contain_text("Conversation · team is Billing: it was empty")
    _, found = await admin.get("/api/v1/conversations")
    await editor.get_by_label("Try on").fill(found["items"][0]["id"])
    await editor.get_by_label("Try on").press("Enter")
    await expect(editor.locator(".dry-run-result")).to_contain_text(
        "Conversation · team is Billing: it was empty"
    )
    await shot(page, "rules-in-words")
    assert rule["id"] and page.errors == []


async def test_rules_reorder_by_keyboard_and_switch_off(browser, server, admin):
    first = await add_rule(
        admin, name="First", event="ticket.created", actions=[{"type": "add_tag", "tag": "a"}]
    )
    second = await add_rule(
        admin, name="Second", event="ticket.created", actions=[{"type": "add_tag", "tag": "b"}]
    )
    page = await signed_in(browser, server, "admin@example.com")
    await page.goto(f"{server.url}/admin/rules")
    names = page.locator(".rule-item .rule-name")
    await expect(names).to_have_text([*DEFAULT_RULES, "First", "Second"])

    await page.locator(".rule-item", has_text="Second").focus()
    await page.keyboard.press("Alt+ArrowUp")
    await expect(names).to_have_text([*DEFAULT_RULES, "Second", "First"])
    await page.locator(".rule-item", has_text="First").get_by_label("Enabled").click()
    await expect(page.locator(".toast", has_text="Rule disabled.")).to_be_visible()

    _, listed = await admin.get("/api/v1/rules")
    mine = [r for r in listed["items"] if r["name"] not in DEFAULT_RULES]
    assert [r["id"] for r in mine] == [second["id"], first["id"]]
    assert [r["enabled"] for r in mine] == [True, False]
    assert page.errors == []


async def test_an_agent_escalates_from_the_shortcut_bar(
    browser, server, rt, http, admin, telegram_channel
):
    _, experts = await admin.post(
        "/api/v1/teams", json={"name": "Experts", "assignment": "round_robin", "level": 2}
    )
    await online_agent(rt, "lan@example.com", [], name="Lan Nguyễn")
    sam = await online_agent(rt, "sam@example.com", [experts["id"]], name="Sam", level=2)
    await customer_writes(http, telegram_channel, 8, "Máy không lên nguồn", name="Bảo Trần")
    page = await signed_in(browser, server, "lan@example.com")

    await page.locator(".conversation", has_text="Bảo Trần").click()
    await expect(page.locator("#shortcut-bar")).to_contain_text("Escalate…")
    await page.keyboard.press("x")
    dialog = page.locator("dialog[open]")
    await dialog.get_by_label("Target level").select_option("2")
    await dialog.get_by_role("button", name="Run").click()
    await expect(dialog).to_be_visible()  # the summary is required
    await dialog.get_by_label("Summary for the team").fill("Board fault, needs a technician")
    await shot(page, "inbox-escalate")
    await dialog.get_by_role("button", name="Run").click()

    await expect(page.locator(".toast", has_text="Escalated to L2.")).to_be_visible()
    await expect(page.locator(".toast", has_text="left your inbox")).to_be_visible()
    await expect(page.locator(".conversation", has_text="Bảo Trần")).to_have_count(0)
    await expect(page.locator("#thread-empty")).to_be_visible()
    _, found = await admin.get("/api/v1/conversations")
    assert found["items"][0]["team_id"] == experts["id"]
    assert found["items"][0]["assignee_id"] == str(sam["_id"])
    assert page.errors == []


async def test_an_agent_inserts_a_canned_response_with_a_slash(
    browser, server, rt, http, admin, telegram_channel
):
    await admin.post(
        "/api/v1/canned-responses",
        json={
            "shortcode": "refund",
            "title": "Refund sent",
            "text": "Chào {{contact.name}}, {{agent.name}} đã hoàn tiền.",
        },
    )
    await online_agent(rt, "lan@example.com", [], name="Lan Nguyễn")
    await customer_writes(http, telegram_channel, 9, "Hoàn tiền giúp em", name="Mai Anh")
    page = await signed_in(browser, server, "lan@example.com")
    await page.locator(".conversation", has_text="Mai Anh").click()

    text = page.locator("#composer-text")
    await text.click()
    await text.press_sequentially("/ref")
    await expect(page.locator(".mention-list li")).to_have_text(["/refund Refund sent"])
    await shot(page, "inbox-canned")
    await text.press("Enter")

    await expect(text).to_have_value("Chào Mai Anh, Lan Nguyễn đã hoàn tiền.")
    assert page.errors == []
