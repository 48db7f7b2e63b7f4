"""Canned responses: admins define them, agents see the global ones and their teams', and the
placeholders fill in for the conversation or ticket at hand."""

from __future__ import annotations

import pytest

from tests.conftest import Client, customer_writes
from tests.tickets.helpers import conversation_of, promote

REFUND = {
    "shortcode": "refund",
    "title": "Refund on its way",
    "text": "Chào {{contact.name}}, {{agent.name}} đã hoàn tiền cho {{ticket.number}}.",
}


async def test_a_canned_response_fills_in_the_contact_agent_and_ticket(
    http, admin: Client, telegram_channel
):
    status, made = await admin.post("/api/v1/canned-responses", json=REFUND)
    await customer_writes(http, telegram_channel, 3, "Hoàn tiền giúp em", name="Mai Anh")
    conversation = await conversation_of(admin)
    ticket = await promote(admin, conversation["id"], "Refund")

    _, for_ticket = await admin.post(
        f"/api/v1/canned-responses/{made['id']}/render", json={"ticket_id": ticket["id"]}
    )
    _, for_conversation = await admin.post(
        f"/api/v1/canned-responses/{made['id']}/render",
        json={"conversation_id": conversation["id"]},
    )

    assert status == 201, made
    assert for_ticket["text"] == f"Chào Mai Anh, Ada Admin đã hoàn tiền cho {ticket['number']}."
    assert for_conversation["text"] == for_ticket["text"]  # the conversation's ticket
    neither = await admin.post(f"/api/v1/canned-responses/{made['id']}/render", json={})
    assert neither[0] == 422


async def test_agents_see_global_and_their_teams_responses_only(rt, admin: Client, agent: Client):
    _, billing = await admin.post("/api/v1/teams", json={"name": "Billing"})
    _, support = await admin.post("/api/v1/teams", json={"name": "Support"})
    await admin.patch(f"/api/v1/agents/{agent.agent['_id']}", json={"team_ids": [support["id"]]})
    await admin.post("/api/v1/canned-responses", json={**REFUND, "team_id": billing["id"]})
    await admin.post("/api/v1/canned-responses", json={**REFUND, "shortcode": "hi", "title": "Hi"})
    _, mine = await admin.post(
        "/api/v1/canned-responses",
        json={**REFUND, "shortcode": "wait", "title": "Wait", "team_id": support["id"]},
    )

    _, seen = await agent.get("/api/v1/canned-responses")
    _, everything = await admin.get("/api/v1/canned-responses")

    assert [c["shortcode"] for c in seen["items"]] == ["hi", "wait"]
    assert [c["shortcode"] for c in everything["items"]] == ["hi", "refund", "wait"]
    assert (await agent.post("/api/v1/canned-responses", json=REFUND))[0] == 403
    assert (await agent.delete(f"/api/v1/canned-responses/{mine['id']}"))[0] == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"shortcode": "Refund!"}, "shortcode"),
        ({"shortcode": ""}, "shortcode"),
        ({"text": "Hi {{customer.nickname}}"}, "text"),
        ({"text": ""}, "text"),
        ({"title": ""}, "title"),
        ({"team_id": "0123456789abcdef01234567"}, "team_id"),
    ],
)
async def test_bad_canned_responses_are_refused(admin: Client, change, field):
    status, body = await admin.post("/api/v1/canned-responses", json={**REFUND, **change})

    assert status == 422, body
    assert any(d["field"] == field for d in body["error"]["details"]), body


async def test_a_shortcode_is_taken_once(admin: Client):
    assert (await admin.post("/api/v1/canned-responses", json=REFUND))[0] == 201
    assert (await admin.post("/api/v1/canned-responses", json=REFUND))[0] == 409
