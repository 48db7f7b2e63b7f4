"""Rule conditions: nested `all`/`any` groups of (field, operator, value).

`check` says exactly what is wrong with a condition tree before a rule is saved; `evaluate`
tells whether an event's values match and, when not, which conditions failed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import regex
from bson import ObjectId

from automations.rules.fields import BOOL, CHOICE, FIELDS, ID, LIST, NUMBER, TEXT, TIME, Context
from inbox.search import fold

MAX_DEPTH = 5
MAX_CONDITIONS = 50
MAX_PATTERN = 200
REGEX_TIMEOUT = 0.05
"""Seconds a `matches` condition may take; a pattern that backtracks forever fails instead."""

SCALARS = {TEXT, CHOICE, NUMBER, ID, BOOL}
OPERATOR_KINDS: dict[str, set[str]] = {
    "equals": SCALARS,
    "not_equals": SCALARS,
    "in": {TEXT, CHOICE, NUMBER, ID},
    "contains": {TEXT, LIST},
    "starts_with": {TEXT},
    "matches": {TEXT},
    "greater_than": {NUMBER, TIME},
    "less_than": {NUMBER, TIME},
    "is_empty": {TEXT, CHOICE, NUMBER, ID, LIST, TIME, BOOL},
    "changed": {TEXT, CHOICE, NUMBER, ID, LIST, TIME, BOOL},
    "changed_to": SCALARS,
    "within_business_hours": {TIME},
}
NO_VALUE = {"is_empty", "changed"}

IsOpen = Callable[[str | None, str], bool]
"""(calendar id or None for the default calendar, ISO time) -> open then?"""


# ---- checking ----------------------------------------------------------------------------------


def check(tree: Any, path: str = "conditions") -> list[dict[str, str]]:
    """Every problem in a condition tree, each with the path to it; empty when valid."""
    problems: list[dict[str, str]] = []
    _check_group(tree, path, 1, problems)
    if _count(tree) > MAX_CONDITIONS:
        problems.append({"field": path, "message": f"at most {MAX_CONDITIONS} conditions"})
    return problems


def _check_group(group: Any, path: str, depth: int, problems: list[dict[str, str]]) -> None:
    if not isinstance(group, dict) or len(group) != 1 or next(iter(group)) not in ("all", "any"):
        problems.append({"field": path, "message": 'a group is {"all": [...]} or {"any": [...]}'})
        return
    if depth > MAX_DEPTH:
        problems.append({"field": path, "message": f"groups nest {MAX_DEPTH} deep at most"})
        return
    kind = next(iter(group))
    items = group[kind]
    if not isinstance(items, list):
        problems.append({"field": f"{path}.{kind}", "message": "expected a list"})
        return
    for index, item in enumerate(items):
        where = f"{path}.{kind}.{index}"
        if isinstance(item, dict) and set(item) & {"all", "any"}:
            _check_group(item, where, depth + 1, problems)
        else:
            problems.extend(_check_leaf(item, where))


def _check_leaf(leaf: Any, path: str) -> list[dict[str, str]]:
    def problem(message: str, at: str = "") -> list[dict[str, str]]:
        return [{"field": f"{path}{at}", "message": message}]

    if not isinstance(leaf, dict):
        return problem("expected a condition {field, operator, value} or a group")
    unknown_keys = set(leaf) - {"field", "operator", "value"}
    if unknown_keys:
        return problem(f"unknown keys {sorted(unknown_keys)}")
    name, operator = leaf.get("field"), leaf.get("operator")
    spec = FIELDS.get(name) if isinstance(name, str) else None
    if spec is None:
        return problem(f"unknown field {name!r}; known: {', '.join(FIELDS)}", ".field")
    if operator not in OPERATOR_KINDS:
        return problem(
            f"unknown operator {operator!r}; known: {', '.join(OPERATOR_KINDS)}", ".operator"
        )
    if spec.kind not in OPERATOR_KINDS[operator]:
        return problem(f"{operator} does not apply to {name} ({spec.kind})", ".operator")
    if operator == "within_business_hours" and name != "now":
        return problem("within_business_hours applies to the field now", ".field")
    return _check_value(leaf.get("value"), operator, spec, path + ".value")


def _check_value(value: Any, operator: str, spec: Any, path: str) -> list[dict[str, str]]:
    def problem(message: str) -> list[dict[str, str]]:
        return [{"field": path, "message": message}]

    if operator in NO_VALUE:
        return [] if value is None else problem(f"{operator} takes no value")
    if operator == "within_business_hours":
        ok = value is None or (isinstance(value, str) and ObjectId.is_valid(value))
        return [] if ok else problem("a calendar id, or null for the default calendar")
    if operator == "in":
        if not isinstance(value, list) or not value:
            return problem("expected a non-empty list")
        return [p for item in value for p in _check_scalar(item, spec, path)]
    if operator == "matches":
        return _check_pattern(value, path)
    if operator in ("contains", "starts_with"):
        return [] if isinstance(value, str) and value else problem("expected some text")
    return _check_scalar(value, spec, path)


def _check_scalar(value: Any, spec: Any, path: str) -> list[dict[str, str]]:
    def problem(message: str) -> list[dict[str, str]]:
        return [{"field": path, "message": message}]

    if spec.kind == CHOICE:
        return [] if value in spec.choices else problem(f"expected one of {list(spec.choices)}")
    if spec.kind == NUMBER:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return [] if number else problem("expected a number")
    if spec.kind == BOOL:
        return [] if isinstance(value, bool) else problem("expected true or false")
    if spec.kind == ID:
        ok = isinstance(value, str) and ObjectId.is_valid(value)
        return [] if ok else problem("expected an id")
    if spec.kind == TIME:
        return [] if _time(value) is not None else problem("expected an ISO 8601 time with zone")
    return [] if isinstance(value, str) else problem("expected text")


def _check_pattern(value: Any, path: str) -> list[dict[str, str]]:
    if not isinstance(value, str) or not value or len(value) > MAX_PATTERN:
        return [
            {"field": path, "message": f"a regular expression of 1 to {MAX_PATTERN} characters"}
        ]
    try:
        regex.compile(value)
    except regex.error as error:
        return [{"field": path, "message": f"not a valid regular expression: {error}"}]
    return []


def _count(tree: Any) -> int:
    if isinstance(tree, dict) and set(tree) & {"all", "any"}:
        items = tree.get("all", tree.get("any"))
        return sum(_count(item) for item in items) if isinstance(items, list) else 0
    return 1


def fields_used(tree: dict[str, Any]) -> list[dict[str, Any]]:
    """The leaves of a valid tree."""
    items = tree.get("all", tree.get("any", []))
    found = []
    for item in items:
        found.extend(fields_used(item) if set(item) & {"all", "any"} else [item])
    return found


# ---- evaluating ----------------------------------------------------------------------------


@dataclass
class Verdict:
    matched: bool
    failed: list[str] = field(default_factory=list)
    """The conditions that did not hold, as readable text."""
    unmet: list[dict[str, Any]] = field(default_factory=list)
    """The same as data ({field, operator, value, was}), for screens to word in their language."""


def evaluate(tree: dict[str, Any], context: Context, is_open: IsOpen) -> Verdict:
    kind = "all" if "all" in tree else "any"
    failed: list[str] = []
    unmet: list[dict[str, Any]] = []
    results = []
    for item in tree[kind]:
        if set(item) & {"all", "any"}:
            verdict = evaluate(item, context, is_open)
            results.append(verdict.matched)
            failed.extend(verdict.failed)
            unmet.extend(verdict.unmet)
        else:
            ok, why = _holds(item, context, is_open)
            results.append(ok)
            if not ok:
                failed.append(why)
                unmet.append(_unmet(item, context))
    matched = all(results) if kind == "all" else any(results)
    return Verdict(matched, [] if matched else failed, [] if matched else unmet)


def _unmet(leaf: dict[str, Any], context: Context) -> dict[str, Any]:
    return {
        "field": leaf["field"],
        "operator": leaf["operator"],
        "value": leaf.get("value"),
        "was": context.values.get(leaf["field"]),
    }


def _holds(leaf: dict[str, Any], context: Context, is_open: IsOpen) -> tuple[bool, str]:
    name, operator, expected = leaf["field"], leaf["operator"], leaf.get("value")
    actual = context.values.get(name)
    shown = f"{name} {operator}" + ("" if operator in NO_VALUE else f" {expected!r}")
    try:
        ok = _apply(operator, FIELDS[name].kind, actual, expected, name, context, is_open)
    except TimeoutError:
        return False, f"{shown}: the pattern took too long and was stopped"
    return ok, f"{shown} (was {actual!r})"


def _apply(
    operator: str,
    kind: str,
    actual: Any,
    expected: Any,
    name: str,
    context: Context,
    is_open: IsOpen,
) -> bool:
    if operator == "changed":
        return name in context.changes
    if operator == "changed_to":
        change = context.changes.get(name)
        return change is not None and _same(change.get("to"), expected, kind)
    if operator == "is_empty":
        return actual in (None, "", [])
    if operator == "within_business_hours":
        return is_open(expected, actual)
    if actual is None:
        return operator == "not_equals"
    if operator == "equals":
        return _same(actual, expected, kind)
    if operator == "not_equals":
        return not _same(actual, expected, kind)
    if operator == "in":
        return any(_same(actual, item, kind) for item in expected)
    if operator == "contains":
        if kind == LIST:
            return any(_same(item, expected, TEXT) for item in actual)
        return fold(expected) in fold(str(actual))
    if operator == "starts_with":
        return fold(str(actual)).startswith(fold(expected))
    if operator == "matches":
        return (
            regex.search(expected, str(actual), regex.IGNORECASE, timeout=REGEX_TIMEOUT) is not None
        )
    left, right = (_time(actual), _time(expected)) if kind == TIME else (actual, expected)
    if left is None or right is None:
        return False
    return left > right if operator == "greater_than" else left < right


def _same(actual: Any, expected: Any, kind: str) -> bool:
    if kind == TEXT and isinstance(actual, str) and isinstance(expected, str):
        return fold(actual) == fold(expected)
    return actual == expected


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None
