"""Shared steps of the ticket tests."""

from __future__ import annotations

from typing import Any

import aiohttp

from inbox.auth import issue_token
from inbox.models.agents import Role
from tests.conftest import Client, make_agent


async def conversation_of(client: Client) -> dict[str, Any]:
    """The most recent conversation the client sees that is not a ticket yet (if any is):
    an automatic message in an older one may make that one the most recent."""
    status, page = await client.get(
        "/api/v1/conversations?status=open,pending,resolved,snoozed,bot"
    )
    assert status == 200 and page["items"], page
    return next((c for c in page["items"] if not c.get("ticket_id")), page["items"][0])


async def promote(
    client: Client, conversation_id: str, title: str, *, quiet: bool = False, **fields: Any
) -> dict[str, Any]:
    """Make the conversation a ticket (`quiet`: without telling the customer)."""
    path = f"/api/v1/conversations/{conversation_id}/ticket" + ("?notify=false" if quiet else "")
    status, ticket = await client.post(path, json={"title": title, **fields})
    assert status == 201, ticket
    return ticket


async def thread(client: Client, ticket_id: str) -> list[dict[str, Any]]:
    status, page = await client.get(f"/api/v1/tickets/{ticket_id}/messages?limit=100")
    assert status == 200, page
    return page["items"]


async def agent_client(rt, server, email: str, team_ids: list[str]) -> Client:
    """A signed-in agent of these teams; close its session when done."""
    doc = await make_agent(rt, email, Role.AGENT, team_ids=team_ids)
    token, _ = await issue_token(rt, doc["_id"], "tests")
    client = Client(aiohttp.ClientSession(), server.url, token)
    client.agent = doc  # type: ignore[attr-defined]
    return client
