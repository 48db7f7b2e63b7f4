"""Rule conditions, table-driven: every operator, nested groups, and the checks before saving."""

from __future__ import annotations

from typing import Any

import pytest

from automations.rules.conditions import check, evaluate
from automations.rules.fields import Context

VALUES: dict[str, Any] = {
    "message.text": "Tôi muốn HOÀN TIỀN đơn #DH1024",
    "message.direction": "in",
    "message.attachment_count": 2,
    "conversation.status": "open",
    "conversation.priority": None,
    "conversation.tags": ["vip", "Refund"],
    "conversation.team_id": "6500000000000000000000aa",
    "contact.name": "Nguyễn Văn A",
    "ticket.due_at": "2026-11-23T10:00:00.000Z",
    "ticket.escalation_level": 1,
    "message.automated": False,
    "now": "2026-11-23T03:00:00.000Z",  # a Monday, 10:00 in Ho Chi Minh City
}
CHANGES = {"conversation.status": {"from": "pending", "to": "open"}}


def context() -> Context:
    return Context(event={"subject": {"type": "message"}}, values=dict(VALUES), changes=CHANGES)


def always_open(calendar_id: str | None, moment: str) -> bool:
    return calendar_id is None


def leaf(field: str, operator: str, value: Any = None) -> dict[str, Any]:
    condition = {"field": field, "operator": operator}
    if value is not None:
        condition["value"] = value
    return condition


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (leaf("message.direction", "equals", "in"), True),
        (leaf("message.direction", "equals", "out"), False),
        (leaf("contact.name", "equals", "nguyen van a"), True),  # case and accents folded
        (leaf("message.direction", "not_equals", "out"), True),
        (leaf("conversation.priority", "not_equals", "high"), True),  # empty is not high
        (leaf("conversation.status", "in", ["open", "pending"]), True),
        (leaf("conversation.status", "in", ["resolved"]), False),
        (leaf("message.text", "contains", "hoan tien"), True),
        (leaf("message.text", "contains", "refund"), False),
        (leaf("conversation.tags", "contains", "refund"), True),
        (leaf("conversation.tags", "contains", "gold"), False),
        (leaf("message.text", "starts_with", "toi muon"), True),
        (leaf("message.text", "starts_with", "muon"), False),
        (leaf("message.text", "matches", r"#DH\d{4}"), True),
        (leaf("message.text", "matches", r"^\d+$"), False),
        (leaf("message.attachment_count", "greater_than", 1), True),
        (leaf("message.attachment_count", "less_than", 2), False),
        (leaf("ticket.due_at", "greater_than", "2026-11-23T09:00:00Z"), True),
        (leaf("ticket.due_at", "less_than", "2026-11-23T09:00:00Z"), False),
        (leaf("ticket.escalation_level", "equals", 1), True),
        (leaf("conversation.priority", "is_empty"), True),
        (leaf("message.text", "is_empty"), False),
        (leaf("conversation.status", "changed"), True),
        (leaf("conversation.priority", "changed"), False),
        (leaf("conversation.status", "changed_to", "open"), True),
        (leaf("conversation.status", "changed_to", "resolved"), False),
        (leaf("now", "within_business_hours"), True),
        (leaf("now", "within_business_hours", "6500000000000000000000bb"), False),
        (leaf("message.automated", "equals", False), True),
        (leaf("ticket.title", "equals", "x"), False),  # no ticket: empty never equals
    ],
)
def test_each_operator(condition, expected):
    assert check({"all": [condition]}) == []
    verdict = evaluate({"all": [condition]}, context(), always_open)
    assert verdict.matched is expected
    assert (verdict.failed == []) is expected


def test_nested_groups_and_the_failed_conditions_they_report():
    tree = {
        "all": [
            leaf("message.direction", "equals", "in"),
            {
                "any": [
                    leaf("message.text", "contains", "refund"),
                    {
                        "all": [
                            leaf("conversation.tags", "contains", "vip"),
                            leaf("now", "within_business_hours"),
                        ]
                    },
                ]
            },
        ]
    }
    assert evaluate(tree, context(), always_open).matched

    tree["all"][1]["any"][1]["all"].append(leaf("contact.name", "starts_with", "Trần"))
    verdict = evaluate(tree, context(), always_open)
    assert not verdict.matched
    assert any("message.text contains 'refund'" in why for why in verdict.failed)
    assert any("contact.name starts_with 'Trần'" in why for why in verdict.failed)


def test_an_empty_group_matches_everything():
    assert evaluate({"all": []}, context(), always_open).matched
    assert not evaluate({"any": []}, context(), always_open).matched


def test_a_catastrophic_pattern_is_stopped_not_hung():
    values = dict(VALUES, **{"message.text": "x" * 5000})
    slow = leaf("message.text", "matches", r"(x+x+)+y")
    verdict = evaluate({"all": [slow]}, Context(event={}, values=values), always_open)
    assert not verdict.matched
    assert "took too long" in verdict.failed[0]


@pytest.mark.parametrize(
    ("tree", "path", "words"),
    [
        ({"every": []}, "conditions", "group"),
        ({"all": "x"}, "conditions.all", "list"),
        (
            {"all": [leaf("message.colour", "equals", "red")]},
            "conditions.all.0.field",
            "unknown field",
        ),
        (
            {"all": [leaf("message.text", "resembles", "x")]},
            "conditions.all.0.operator",
            "unknown operator",
        ),
        (
            {"all": [leaf("message.attachment_count", "starts_with", "1")]},
            "conditions.all.0.operator",
            "does not apply",
        ),
        (
            {"all": [leaf("conversation.status", "equals", "closed")]},
            "conditions.all.0.value",
            "one of",
        ),
        (
            {"all": [leaf("message.attachment_count", "greater_than", "two")]},
            "conditions.all.0.value",
            "number",
        ),
        ({"all": [leaf("conversation.status", "in", [])]}, "conditions.all.0.value", "non-empty"),
        (
            {"all": [leaf("message.text", "matches", "(unclosed")]},
            "conditions.all.0.value",
            "regular expression",
        ),
        (
            {"all": [leaf("message.text", "matches", "x" * 201)]},
            "conditions.all.0.value",
            "1 to 200",
        ),
        (
            {"all": [leaf("conversation.team_id", "equals", "billing")]},
            "conditions.all.0.value",
            "id",
        ),
        (
            {"all": [leaf("ticket.due_at", "less_than", "tomorrow")]},
            "conditions.all.0.value",
            "ISO",
        ),
        (
            {"all": [leaf("message.text", "within_business_hours")]},
            "conditions.all.0.operator",
            "does not apply",
        ),
        (
            {"all": [{"field": "message.text", "operator": "is_empty", "value": "x"}]},
            "conditions.all.0.value",
            "no value",
        ),
        (
            {"all": [{"field": "message.text", "operator": "contains", "value": "x", "extra": 1}]},
            "conditions.all.0",
            "unknown keys",
        ),
        (
            {"all": [{"all": [{"all": [{"all": [{"all": [{"all": []}]}]}]}]}]},
            "conditions.all.0.all.0.all.0.all.0.all.0",
            "deep",
        ),
    ],
)
def test_invalid_conditions_say_exactly_what_is_wrong(tree, path, words):
    problems = check(tree)
    assert problems, tree
    assert problems[0]["field"] == path
    assert words in problems[0]["message"]
