"""Exactly once to the customer when a platform is slow or drops the connection.

For every channel, an agent's reply goes to a fake platform that takes the message on
arrival (as a real one finishes a request whose client went away) and answers after 4, 6 or
40 seconds, or drops the connection. With a 10-second answer timeout: answered in time, it is
`sent`; otherwise `unknown` ("may have been delivered"), never re-sent on its own, and the
agent sends it again or marks it sent. The customer never gets a copy nobody asked for.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from bson import ObjectId

from inbox import clock
from inbox.services import delivery
from tests.conftest import (
    Client,
    customer_writes,
    eventually,
    facebook_posts,
    load_fixture,
    relay_email,
    zalo_posts,
)
from tests.fakes.slowness import Slowness

ANSWER_TIMEOUT = 7.5
TERMINAL = {"sent", "failed", "unknown"}


@dataclass(frozen=True)
class Platform:
    write: Callable[[Client, dict[str, Any]], Awaitable[Any]]
    mailbox: bool = False
    """The fake is an SMTP server (it keeps `messages`, the others `accepted`)."""

    def arrivals(self, fake: Any) -> int:
        return len(fake.messages if self.mailbox else fake.accepted)


PLATFORMS = {
    "telegram": Platform(lambda http, ch: customer_writes(http, ch, 77, "Hi")),
    "facebook": Platform(
        lambda http, ch: facebook_posts(http, ch, load_fixture("facebook", "text_message.json"))
    ),
    "zalo": Platform(
        lambda http, ch: zalo_posts(http, ch, load_fixture("zalo", "user_send_text.json"))
    ),
    "email": Platform(
        lambda http, ch: relay_email(http, ch, load_fixture("email", "plain.eml")), mailbox=True
    ),
}
SCENARIOS = {
    "answers-in-4s": (Slowness(delay=4), "sent"),
    "answers-in-6s": (Slowness(delay=6), "sent"),
    "answers-in-40s": (Slowness(delay=40), "unknown"),
    "drops-the-connection": (Slowness(drop=True), "unknown"),
}


@pytest.fixture
def platforms(
    telegram_channel,
    facebook_channel,
    zalo_channel,
    email_channel,
    fake_telegram,
    fake_graph,
    fake_zalo,
    smtp,
) -> dict[str, tuple[Any, dict[str, Any]]]:
    """Every channel connected to its fake platform: name -> (fake, channel)."""
    return {
        "telegram": (fake_telegram[0], telegram_channel),
        "facebook": (fake_graph[0], facebook_channel),
        "zalo": (fake_zalo[0], zalo_channel),
        "email": (smtp[0], email_channel),
    }


async def reply_and_settle(
    admin: Client, http: Client, platform: Platform, channel: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    await platform.write(http, channel)
    _, page = await admin.get("/api/v1/conversations?status=open,pending,bot")
    conversation = page["items"][0]["id"]
    _, reply = await admin.post(
        f"/api/v1/conversations/{conversation}/messages", json={"text": "Dạ shop gửi ạ"}
    )

    async def settled() -> dict[str, Any] | None:
        _, messages = await admin.get(f"/api/v1/conversations/{conversation}/messages")
        mine = next(m for m in messages["items"] if m["id"] == reply["id"])
        return mine if mine["delivery"]["status"] in TERMINAL else None

    return conversation, await eventually(settled, timeout=ANSWER_TIMEOUT + 20, interval=0.2)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
@pytest.mark.parametrize("name", list(PLATFORMS))
async def test_a_slow_or_silent_platform_never_gets_the_message_twice(
    rt, http, admin, platforms, name, scenario
):
    platform = PLATFORMS[name]
    for kind in ("telegram", "facebook", "zalo", "email"):
        setattr(rt.settings, f"{kind}_answer_timeout_seconds", ANSWER_TIMEOUT)
    fake, channel = platforms[name]
    slowness, expected = SCENARIOS[scenario]
    fake.slowness = Slowness(delay=slowness.delay, drop=slowness.drop)
    try:
        _, message = await reply_and_settle(admin, http, platform, channel)
    finally:
        fake.slowness.release()

    assert message["delivery"]["status"] == expected, message["delivery"]
    assert platform.arrivals(fake) == 1, "the customer got it exactly once"
    outcomes = [step["outcome"] for step in message["delivery"]["history"]]
    assert outcomes == [expected]
    if expected == "unknown":
        assert "may have been delivered" in message["delivery"]["error"]
        assert message["delivery"]["attempts"] == 1, "never tried again on its own"


@pytest.mark.parametrize("name", list(PLATFORMS))
async def test_the_agent_sends_again_or_marks_sent_what_may_have_arrived(
    rt, http, admin, platforms, name
):
    platform = PLATFORMS[name]
    fake, channel = platforms[name]
    fake.slowness = Slowness(drop=True)
    conversation, message = await reply_and_settle(admin, http, platform, channel)
    assert message["delivery"]["status"] == "unknown"

    status, confirmed = await admin.post(f"/api/v1/messages/{message['id']}/mark-sent")
    assert status == 200, confirmed
    assert confirmed["delivery"]["status"] == "sent"
    assert confirmed["delivery"]["history"][-1]["outcome"] == "marked_sent"
    assert confirmed["delivery"]["history"][-1]["by"]
    status, _ = await admin.post(f"/api/v1/messages/{message['id']}/mark-sent")
    assert status == 409, "only a message that may have been delivered"

    fake.slowness = Slowness(drop=True)
    _, second = await admin.post(
        f"/api/v1/conversations/{conversation}/messages", json={"text": "Còn hàng ạ"}
    )

    async def unsure() -> bool:
        _, messages = await admin.get(f"/api/v1/conversations/{conversation}/messages")
        found = next(m for m in messages["items"] if m["id"] == second["id"])
        return found["delivery"]["status"] == "unknown"

    await eventually(unsure, timeout=20)
    fake.slowness = Slowness()
    status, again = await admin.post(f"/api/v1/messages/{second['id']}/retry")
    assert status == 200, again

    async def sent() -> bool:
        _, messages = await admin.get(f"/api/v1/conversations/{conversation}/messages")
        found = next(m for m in messages["items"] if m["id"] == second["id"])
        return found["delivery"]["status"] == "sent" and found

    final = await eventually(sent, timeout=20)
    assert [s["outcome"] for s in final["delivery"]["history"]] == ["unknown", "resent", "sent"]
    assert platform.arrivals(fake) == 3, "twice the second message: the agent chose to resend"


async def test_an_attempt_interrupted_mid_send_is_not_repeated(
    rt, http, admin, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    await customer_writes(http, telegram_channel, 78, "Hi")
    _, page = await admin.get("/api/v1/conversations")
    conversation = page["items"][0]["id"]
    _, reply = await admin.post(
        f"/api/v1/conversations/{conversation}/messages", json={"text": "Một"}
    )

    async def sent() -> bool:
        return len(fake.accepted) == 1

    await eventually(sent)
    # What a worker killed in the middle of a send leaves: a claimed attempt, lease run out.
    await rt.store["messages"].update_one(
        {"_id": ObjectId(reply["id"])},
        {"$set": {"delivery.status": "queued", "delivery.lease_until": clock.now()}},
    )
    attempt = await delivery.deliver(rt, reply["id"])

    assert attempt.outcome == "unknown"
    _, messages = await admin.get(f"/api/v1/conversations/{conversation}/messages")
    found = next(m for m in messages["items"] if m["id"] == reply["id"])
    assert found["delivery"]["status"] == "unknown"
    assert "interrupted" in found["delivery"]["error"]
    assert len(fake.accepted) == 1
