"""One person across channels: merging the contacts of four channels, and what follows."""

from __future__ import annotations

import asyncio
import json

from tests.conftest import (
    Client,
    customer_writes,
    facebook_posts,
    load_fixture,
    relay_email,
    zalo_posts,
)


def _redelivered(channel: str, name: str, new_id: str) -> bytes:
    """A platform fixture as a new message (another message id), so it is not a duplicate."""
    payload = load_fixture(channel, name).decode()
    if channel == "zalo":
        data = json.loads(payload)
        data["message"]["msg_id"] = new_id
        return json.dumps(data).encode()
    data = json.loads(payload)
    data["entry"][0]["messaging"][0]["message"]["mid"] = new_id
    return json.dumps(data).encode()


async def _write_on_every_channel(http, channels, round_: int) -> None:
    telegram, facebook, zalo, email = channels
    await customer_writes(http, telegram, 4242, f"telegram {round_}", message_id=round_)
    status, _ = await facebook_posts(
        http, facebook, _redelivered("facebook", "text_message.json", f"m_round{round_}")
    )
    assert status == 200
    status, _ = await zalo_posts(
        http, zalo, _redelivered("zalo", "user_send_text.json", f"zalo_round{round_}")
    )
    assert status == 200
    raw = load_fixture("email", "plain.eml").replace(
        b"Message-ID: <CAF3kx9q2mZ=8s1@mail.example.com>",
        f"Message-ID: <round{round_}@mail.example.com>".encode(),
    )
    status, _ = await relay_email(http, email, raw)
    assert status in (200, 202)


async def _contacts(admin: Client) -> list[dict]:
    status, page = await admin.get("/api/v1/contacts?limit=100")
    assert status == 200, page
    return page["items"]


async def test_four_channels_become_one_person_and_new_messages_reach_the_survivor(
    http, admin, telegram_channel, facebook_channel, zalo_channel, email_channel
):
    channels = (telegram_channel, facebook_channel, zalo_channel, email_channel)
    await _write_on_every_channel(http, channels, 1)
    people = await _contacts(admin)
    assert len(people) == 4
    survivor = next(c for c in people if c["emails"])
    others = [c for c in people if c["id"] != survivor["id"]]

    for other in others:
        status, merged = await admin.post(
            f"/api/v1/contacts/{survivor['id']}/merge", json={"other_id": other["id"]}
        )
        assert status == 200, merged

    assert {i["kind"] for i in merged["identities"]} == {"telegram", "facebook", "zalo", "email"}
    assert [m["name"] for m in merged["merges"]] == [o["name"] for o in others]
    assert [c["id"] for c in await _contacts(admin)] == [survivor["id"]]
    for other in others:
        status, pointer = await admin.get(f"/api/v1/contacts/{other['id']}")
        assert status == 200 and pointer["merged_into"] == survivor["id"]
        status, refused = await admin.patch(f"/api/v1/contacts/{other['id']}", json={"notes": "x"})
        assert status == 409 and refused["error"]["details"]["merged_into"] == survivor["id"]

    await _write_on_every_channel(http, channels, 2)
    status, page = await admin.get(f"/api/v1/contacts/{survivor['id']}/conversations")
    assert status == 200
    assert {c["channel"]["kind"] for c in page["items"]} == {
        "telegram",
        "facebook",
        "zalo",
        "email",
    }
    assert all(c["contact"]["name"] == survivor["name"] for c in page["items"])
    _, everything = await admin.get("/api/v1/conversations?limit=100")
    assert {c["contact"]["id"] for c in everything["items"]} == {survivor["id"]}
    assert len(await _contacts(admin)) == 1

    # The record merged away still answers for the person: its history is the survivor's.
    status, via_pointer = await admin.get(f"/api/v1/contacts/{others[0]['id']}/conversations")
    assert status == 200 and len(via_pointer["items"]) == len(page["items"])


async def test_concurrent_merges_of_one_pair_never_lose_data(http, admin, telegram_channel):
    await customer_writes(http, telegram_channel, 1, "first person", name="An Nguyễn")
    await customer_writes(http, telegram_channel, 2, "second record", name="An Nguyen")
    one, two = await _contacts(admin)
    await admin.patch(f"/api/v1/contacts/{one['id']}", json={"tags": ["vip"], "notes": "one"})
    await admin.patch(f"/api/v1/contacts/{two['id']}", json={"tags": ["b2b"], "notes": "two"})

    results = await asyncio.gather(
        admin.post(f"/api/v1/contacts/{one['id']}/merge", json={"other_id": two["id"]}),
        admin.post(f"/api/v1/contacts/{two['id']}/merge", json={"other_id": one["id"]}),
        admin.post(f"/api/v1/contacts/{one['id']}/merge", json={"other_id": two["id"]}),
    )
    statuses = sorted(status for status, _ in results)
    assert statuses[0] == 200 and set(statuses[1:]) <= {200, 409}, results
    winner = next(body for status, body in results if status == 200)
    loser_id = two["id"] if winner["id"] == one["id"] else one["id"]

    assert sorted(winner["tags"]) == ["b2b", "vip"]
    assert sorted(winner["notes"].split("\n\n---\n")) == ["one", "two"]
    assert len(winner["identities"]) == 2
    _, loser = await admin.get(f"/api/v1/contacts/{loser_id}")
    assert loser["merged_into"] == winner["id"]
    _, survivor = await admin.get(f"/api/v1/contacts/{winner['id']}")
    assert survivor["merged_into"] is None
    _, conversations = await admin.get(f"/api/v1/contacts/{winner['id']}/conversations")
    assert len(conversations["items"]) == 2
    # A merge the other way round is refused now: the loser is a pointer.
    status, refused = await admin.post(
        f"/api/v1/contacts/{loser_id}/merge", json={"other_id": winner["id"]}
    )
    assert status == 409, refused


async def test_a_contact_cannot_be_merged_into_itself_or_an_unknown_one(
    http, admin, telegram_channel
):
    await customer_writes(http, telegram_channel, 1, "hello")
    (only,) = await _contacts(admin)
    path = f"/api/v1/contacts/{only['id']}/merge"
    status, body = await admin.post(path, json={"other_id": only["id"]})
    assert status == 422, body
    for unknown in ("", "6b1098944eceb00909c30731"):
        status, body = await admin.post(path, json={"other_id": unknown})
        assert status == 422 and body["error"]["details"] == {"field": "other_id"}, body
