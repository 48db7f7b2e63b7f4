"""A channel's bot configuration: on or off, the greeting, the department menu (each option
routes to a team and may ask one or two questions first), FAQ answers, the out-of-hours
message and its calendar, the words that ask for a person and how many misses before one."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from bson import ObjectId
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, UrlConstraints

from inbox import clock
from inbox.auth import issue_token
from inbox.errors import Invalid
from inbox.models.agents import AgentCreate
from inbox.runtime import Runtime
from inbox.services import agents

HANDOFF_WORDS = ["agent", "human", "nhân viên", "người thật", "tư vấn viên"]
SECRET_MASK = "•" * 16


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
    in_hours: str | None = Field(
        default=None, max_length=1000, description="said when handing over in business hours"
    )
    out_of_hours: str | None = Field(default=None, max_length=1000)
    calendar_id: str | None = None
    handoff_words: list[str] = Field(default_factory=lambda: list(HANDOFF_WORDS), max_length=30)
    max_failures: int = Field(default=2, ge=1, le=5)
    external_url: Annotated[HttpUrl, UrlConstraints(max_length=500)] | None = Field(
        default=None, description="an external bot: it gets the events and answers instead"
    )
    external_secret: str | None = Field(
        default=None, min_length=16, max_length=200, description="signs the events (HMAC)"
    )
    external_timeout_seconds: float = Field(default=10, gt=0, le=30)
    new_token: bool = Field(default=False, description="issue the external bot a new token")


class BotOut(BotBody):
    external_url: str | None = None  # as stored (normalised), not checked again
    token: str | None = Field(
        default=None, description="the external bot's API token: shown once, when it is set up"
    )


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


async def save(
    rt: Runtime, channel_id: ObjectId, body: BotBody
) -> tuple[dict[str, Any], str | None]:
    """Store the bot; with an external bot, also its account and (the first time) its API
    token, returned once."""
    problems = await _problems(rt, body)
    current = await for_channel(rt, channel_id)
    given = body.external_secret if body.external_secret != SECRET_MASK else None
    secret = given or (external_secret(rt, current) if current else None)
    if body.external_url is not None and secret is None:
        problems.append({"field": "external_secret", "message": "required for an external bot"})
    if problems:
        names = ", ".join(sorted({p["field"] for p in problems}))
        raise Invalid(f"The bot is not valid: {names}.", problems, code="invalid_bot")
    doc = {
        "_id": channel_id,
        **body.model_dump(mode="json", exclude={"external_secret", "new_token"}),
        "handoff_words": [w.strip() for w in body.handoff_words if w.strip()],
        "external_secret_sealed": rt.secrets.encrypt({"secret": secret}) if secret else None,
        "account_id": (current or {}).get("account_id"),
        "updated_at": clock.now(),
    }
    token = None
    if body.external_url is not None and doc["account_id"] is None:
        doc["account_id"], token = await _bot_account(rt, channel_id)
    elif body.external_url is not None and body.new_token:
        token, _ = await issue_token(rt, doc["account_id"], "external bot")
    await rt.store["bots"].replace_one({"_id": channel_id}, doc, upsert=True)
    return doc, token


async def _bot_account(rt: Runtime, channel_id: ObjectId) -> tuple[ObjectId, str]:
    """The external bot's own account (it writes as the bot) and an API token for it."""
    channel = await rt.store["channels"].find_one({"_id": channel_id})
    account = await agents.create(
        rt,
        AgentCreate(
            email=f"bot-{channel_id}@bots.invalid",
            name=f"{channel['name']} bot",
            password=secrets.token_urlsafe(24),
        ),
    )
    await rt.store["agents"].update_one({"_id": account["_id"]}, {"$set": {"bot": True}})
    token, _ = await issue_token(rt, account["_id"], "external bot")
    return account["_id"], token


def external_secret(rt: Runtime, doc: dict[str, Any]) -> str | None:
    sealed = doc.get("external_secret_sealed")
    return rt.secrets.decrypt(sealed)["secret"] if sealed else None


async def for_channel(rt: Runtime, channel_id: ObjectId) -> dict[str, Any] | None:
    return await rt.store["bots"].find_one({"_id": channel_id})


def view(doc: dict[str, Any]) -> dict[str, Any]:
    hidden = ("_id", "updated_at", "external_secret_sealed", "account_id")
    shown = {k: v for k, v in doc.items() if k not in hidden}
    if doc.get("external_secret_sealed"):
        shown["external_secret"] = SECRET_MASK
    return shown
