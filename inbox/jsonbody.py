"""JSON from outside (API bodies, webhooks, browsers): parsed with a bound on nesting, so a
hostile body is refused as invalid (400) instead of exhausting the parser's recursion."""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64
"""Deeper than any body the API, the platforms or the browser send."""


class TooDeep(ValueError):
    pass


def loads(raw: bytes | str) -> Any:
    """`json.loads`, refusing documents nested deeper than MAX_DEPTH (ValueError)."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise TooDeep(f"the JSON is nested deeper than {MAX_DEPTH} levels") from None
    if _deeper_than(value, MAX_DEPTH):
        raise TooDeep(f"the JSON is nested deeper than {MAX_DEPTH} levels")
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    pending = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            pending.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            pending.extend((child, depth + 1) for child in node)
    return False
