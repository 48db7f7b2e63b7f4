"""REST for what the bot knows: FAQ entries, and trying a question against them. Registered
with the other resources by `inbox.api.routing`."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from automations import faq
from inbox.api.routing import api
from inbox.auth import Access
from inbox.keys import runtime
from inbox.models import Page


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


@api("GET", "/faqs", summary="FAQ entries", tag="bot", response=Page[FaqOut], level=Access.ADMIN)
async def list_faqs(request: web.Request) -> Page[FaqOut]:
    return Page(items=[FaqOut(**faq.view(e)) for e in await faq.list_all(runtime(request))])


@api(
    "POST",
    "/faqs",
    summary="Add an FAQ entry",
    tag="bot",
    body=faq.FaqBody,
    response=FaqOut,
    status=201,
    level=Access.ADMIN,
)
async def create_faq(request: web.Request, body: faq.FaqBody) -> FaqOut:
    return FaqOut(**faq.view(await faq.create(runtime(request), body)))


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


@api(
    "PATCH",
    "/faqs/{id}",
    summary="Change an FAQ entry",
    tag="bot",
    body=faq.FaqBody,
    response=FaqOut,
    level=Access.ADMIN,
)
async def update_faq(request: web.Request, body: faq.FaqBody) -> FaqOut:
    rt = runtime(request)
    entry = await faq.get(rt, request.match_info["id"])
    return FaqOut(**faq.view(await faq.update(rt, entry, body)))


@api("DELETE", "/faqs/{id}", summary="Delete an FAQ entry", tag="bot", level=Access.ADMIN)
async def delete_faq(request: web.Request) -> None:
    rt = runtime(request)
    await faq.delete(rt, await faq.get(rt, request.match_info["id"]))
