"""JSON from outside (API bodies, webhooks, browsers): parsed with a bound on nesting and
refusing text that is not Unicode (lone surrogates like "\\ud911", which JSON can spell but
nothing can store or send back), so a hostile body is a 400 instead of a crash later."""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64
"""Deeper than any body the API, the platforms or the browser send."""


class TooDeep(ValueError):
    pass


class NotUnicode(ValueError):
    pass


def loads(raw: bytes | str) -> Any:
    """`json.loads`, refusing documents nested deeper than MAX_DEPTH (ValueError)."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise TooDeep(f"the JSON is nested deeper than {MAX_DEPTH} levels") from None
    _check(value, MAX_DEPTH)
    return value


def _check(value: Any, limit: int) -> None:
    pending = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > limit:
            raise TooDeep(f"the JSON is nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, str):
            _unicode(node)
        elif isinstance(node, dict):
            for key, child in node.items():
                _unicode(key)
                pending.append((child, depth + 1))
        elif isinstance(node, list):
            pending.extend((child, depth + 1) for child in node)


def _unicode(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise NotUnicode("the JSON has text that is not Unicode (a lone surrogate)") from None
