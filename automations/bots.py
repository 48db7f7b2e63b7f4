"""A channel's bot configuration: on or off, the greeting, the department menu (each option
routes to a team and may ask one or two questions first), FAQ answers, the out-of-hours
message and its calendar, the words that ask for a person and how many misses before one."""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from pydantic import BaseModel, ConfigDict, Field

from inbox import clock
from inbox.errors import Invalid
from inbox.runtime import Runtime

HANDOFF_WORDS = ["agent", "human", "nhân viên", "người thật", "tư vấn viên"]


class MenuOption(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field(min_length=1, max_length=40)
    team_id: str | None = Field(default=None, description="the team it hands over to")
    questions: list[str] = Field(default_factory=list, max_length=2)
    """Asked one by one before the hand-over (e.g. the order number)."""


class BotBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    greeting: str = Field(min_length=1, max_length=1000)
    menu_prompt: str = Field(default="", max_length=300)
    options: list[MenuOption] = Field(default_factory=list, max_length=10)
    use_faq: bool = True
    out_of_hours: str | None = Field(default=None, max_length=1000)
    calendar_id: str | None = None
    handoff_words: list[str] = Field(default_factory=lambda: list(HANDOFF_WORDS), max_length=30)
    max_failures: int = Field(default=2, ge=1, le=5)


async def _problems(rt: Runtime, body: BotBody) -> list[dict[str, str]]:
    problems = []
    for index, option in enumerate(body.options):
        if option.team_id is not None and not await _exists(rt, "teams", option.team_id):
            problems.append({"field": f"options.{index}.team_id", "message": "no such team"})
        for number, question in enumerate(option.questions):
            if not question.strip():
                where = f"options.{index}.questions.{number}"
                problems.append({"field": where, "message": "empty question"})
    if body.calendar_id is not None and not await _exists(rt, "calendars", body.calendar_id):
        problems.append({"field": "calendar_id", "message": "no such calendar"})
    return problems


async def _exists(rt: Runtime, collection: str, value: str) -> bool:
    valid = ObjectId.is_valid(value)
    return valid and await rt.store[collection].find_one({"_id": ObjectId(value)}) is not None


async def save(rt: Runtime, channel_id: ObjectId, body: BotBody) -> dict[str, Any]:
    problems = await _problems(rt, body)
    if problems:
        names = ", ".join(sorted({p["field"] for p in problems}))
        raise Invalid(f"The bot is not valid: {names}.", problems, code="invalid_bot")
    doc = {
        "_id": channel_id,
        **body.model_dump(),
        "handoff_words": [w.strip() for w in body.handoff_words if w.strip()],
        "updated_at": clock.now(),
    }
    await rt.store["bots"].replace_one({"_id": channel_id}, doc, upsert=True)
    return doc


async def for_channel(rt: Runtime, channel_id: ObjectId) -> dict[str, Any] | None:
    return await rt.store["bots"].find_one({"_id": channel_id})


def view(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in ("_id", "updated_at")}
