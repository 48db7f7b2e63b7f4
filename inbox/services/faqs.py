"""FAQ entries and matching a customer's question against them.

An entry has a question, other ways to ask it (variants), keywords and an answer. Matching
folds case and Vietnamese diacritics ("giao hang" finds "giao hàng"), scores each entry by
its closest phrasing (rapidfuzz's token set ratio: tolerant of typos, word order and extra
words, while a short unrelated question shares too little to score) plus a bonus when one of
its keywords is in the question, then answers when one entry is clearly best, offers the top
three when a few are plausible, and stays silent on unrelated questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz

from inbox import clock
from inbox.errors import Invalid
from inbox.ids import new_id, parse_id
from inbox.models.common import Partial
from inbox.runtime import Runtime
from inbox.search import fold

CONFIDENT = 82
"""Score from which the best entry is answered outright (if it leads clearly)."""
LEAD = 8
"""How far the best entry must lead the second to be answered outright."""
PLAUSIBLE = 62
"""Score from which an entry is offered among the top three."""
KEYWORD_BONUS = 12
WORDS = re.compile(r"\w+")


class FaqBody(Partial):
    """An FAQ entry as the API takes it; on PATCH only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    question: str | None = Field(default=None, min_length=3, max_length=300)
    variants: list[str] | None = Field(default=None, max_length=30)
    keywords: list[str] | None = Field(default=None, max_length=30)
    answer: str | None = Field(default=None, min_length=1, max_length=4000)
    enabled: bool | None = None


class MatchQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=2000)


@dataclass
class Match:
    """What the bot should do with a question: answer one entry, offer several, or neither."""

    answer: dict[str, Any] | None = None
    offers: list[dict[str, Any]] = field(default_factory=list)
    scores: list[tuple[str, float]] = field(default_factory=list)
    """(entry question, score) for the top entries, best first: for admins and logs."""


def _normal(text: str) -> str:
    return " ".join(WORDS.findall(fold(text)))


def score(question: str, entry: dict[str, Any]) -> float:
    """How well the customer's question matches an entry, 0 to 100."""
    asked = _normal(question)
    if not asked:
        return 0.0
    phrasings = [entry["question"], *entry.get("variants", [])]
    best = max(fuzz.token_set_ratio(asked, _normal(p)) for p in phrasings)
    words = set(asked.split())
    if any(set(_normal(k).split()) <= words for k in entry.get("keywords", []) if _normal(k)):
        best += KEYWORD_BONUS
    return min(100.0, best)


def match(question: str, entries: list[dict[str, Any]]) -> Match:
    ranked = sorted(
        ((score(question, e), e) for e in entries if e.get("enabled", True)),
        key=lambda pair: pair[0],
        reverse=True,
    )
    found = Match(scores=[(e["question"], round(s, 1)) for s, e in ranked[:3]])
    if not ranked or ranked[0][0] < PLAUSIBLE:
        return found
    top, second = ranked[0][0], (ranked[1][0] if len(ranked) > 1 else 0.0)
    if top >= CONFIDENT and top - second >= LEAD:
        found.answer = ranked[0][1]
    else:
        found.offers = [e for s, e in ranked[:3] if s >= PLAUSIBLE]
    return found


# ---- storage ------------------------------------------------------------------------------


async def create(rt: Runtime, body: FaqBody) -> dict[str, Any]:
    if body.question is None or body.answer is None:
        raise Invalid("An FAQ entry needs a question and an answer.")
    doc = {
        "_id": new_id(),
        "variants": [],
        "keywords": [],
        "enabled": True,
        **_cleaned(body),
        "created_at": clock.now(),
    }
    await rt.store["faqs"].insert_one(doc)
    return doc


async def update(rt: Runtime, entry: dict[str, Any], body: FaqBody) -> dict[str, Any]:
    changes = _cleaned(body)
    await rt.store["faqs"].update_one({"_id": entry["_id"]}, {"$set": changes})
    return {**entry, **changes}


def _cleaned(body: FaqBody) -> dict[str, Any]:
    given = body.model_dump(exclude_unset=True)
    for name in ("variants", "keywords"):
        if name in given:
            given[name] = [v.strip() for v in given[name] or [] if v.strip()]
    return given


async def delete(rt: Runtime, entry: dict[str, Any]) -> None:
    await rt.store["faqs"].delete_one({"_id": entry["_id"]})


async def get(rt: Runtime, entry_id: str) -> dict[str, Any]:
    return await rt.store.get("faqs", parse_id(entry_id, "FAQ entry"), "FAQ entry")


async def list_all(rt: Runtime) -> list[dict[str, Any]]:
    return await rt.store["faqs"].find({}, sort=[("question", 1)]).to_list(None)


def view(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(entry["_id"]),
        "question": entry["question"],
        "variants": entry.get("variants", []),
        "keywords": entry.get("keywords", []),
        "answer": entry["answer"],
        "enabled": entry.get("enabled", True),
    }


async def record_miss(rt: Runtime, conversation_id: Any, text: str) -> None:
    """A question the FAQ could not answer, kept for admins to turn into an entry."""
    if not text:
        return
    await rt.store["faq_misses"].insert_one(
        {"text": text[:500], "conversation_id": conversation_id, "at": clock.now()}
    )


async def recent_misses(rt: Runtime, limit: int = 100) -> list[dict[str, Any]]:
    found = rt.store["faq_misses"].find({}, sort=[("at", -1)], limit=limit)
    return [miss async for miss in found]
