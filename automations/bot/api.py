"""REST for what the bot knows: FAQ entries, and trying a question against them. Registered
with the other resources by `inbox.api.routing`."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from automations.bot import config as bots
from inbox import clock
from inbox.api.resources import standard_routes
from inbox.api.routing import api
from inbox.auth import Access
from inbox.errors import NotFound
from inbox.ids import parse_id
from inbox.keys import runtime
from inbox.models.common import Page
from inbox.services import channels
from inbox.services import faqs as faq


class FaqOut(BaseModel):
    id: str
    question: str
    variants: list[str]
    keywords: list[str]
    answer: str
    enabled: bool


class MatchOut(BaseModel):
    answer: FaqOut | None = Field(description="the entry the bot would answer with")
    offers: list[FaqOut] = Field(description="the entries it would offer when unsure")
    scores: list[tuple[str, float]] = Field(description="the best entries and their scores")


class MissOut(BaseModel):
    text: str
    conversation_id: str
    at: str


# ---- a channel's bot ----------------------------------------------------------------------


@api(
    "GET",
    "/channels/{id}/bot",
    summary="The channel's bot (404 when it has none)",
    tag="bot",
    response=bots.BotBody,
    level=Access.ADMIN,
)
async def get_bot(request: web.Request) -> bots.BotBody:
    rt = runtime(request)
    channel_id = parse_id(request.match_info["id"], "channel")
    await channels.load(rt, channel_id)
    found = await bots.for_channel(rt, channel_id)
    if found is None:
        raise NotFound("This channel has no bot yet.")
    return bots.BotBody(**bots.view(found))


@api(
    "PUT",
    "/channels/{id}/bot",
    summary="Set the channel's bot (greeting, menu, FAQ, hand-off)",
    tag="bot",
    body=bots.BotBody,
    response=bots.BotOut,
    level=Access.ADMIN,
)
async def put_bot(request: web.Request, body: bots.BotBody) -> bots.BotOut:
    rt = runtime(request)
    channel_id = parse_id(request.match_info["id"], "channel")
    await channels.load(rt, channel_id)
    saved, token = await bots.save(rt, channel_id, body)
    return bots.BotOut(**bots.view(saved), token=token)


# ---- FAQ ----------------------------------------------------------------------------------


@api(
    "GET",
    "/faqs/misses",
    summary="Recent questions the bot could not answer (to turn into FAQ entries)",
    tag="bot",
    response=Page[MissOut],
    level=Access.ADMIN,
)
async def faq_misses(request: web.Request) -> Page[MissOut]:
    return Page(
        items=[
            MissOut(
                text=m["text"], conversation_id=str(m["conversation_id"]), at=clock.iso(m["at"])
            )
            for m in await faq.recent_misses(runtime(request))
        ]
    )


@api(
    "POST",
    "/faqs/match",
    summary="What the bot would answer to a question (changes nothing)",
    tag="bot",
    body=faq.MatchQuery,
    response=MatchOut,
    level=Access.ADMIN,
)
async def try_faq(request: web.Request, body: faq.MatchQuery) -> MatchOut:
    found = faq.match(body.text, await faq.list_all(runtime(request)))
    return MatchOut(
        answer=FaqOut(**faq.view(found.answer)) if found.answer else None,
        offers=[FaqOut(**faq.view(e)) for e in found.offers],
        scores=found.scores,
    )


standard_routes(
    faq,
    path="/faqs",
    names=("faq", "faqs"),
    tag="bot",
    body=faq.FaqBody,
    out=FaqOut,
    summaries={
        "list": "FAQ entries",
        "create": "Add an FAQ entry",
        "update": "Change an FAQ entry",
        "delete": "Delete an FAQ entry",
    },
    read=Access.ADMIN,
)
