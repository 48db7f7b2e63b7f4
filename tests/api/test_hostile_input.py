"""Input built to break parsers gets a 4xx with a JSON body, never a 500."""

from __future__ import annotations

import json

import pytest

from tests.conftest import facebook_signature

DEEP = ("[" * 5000 + "]" * 5000).encode()
DEEP_OBJECT = ('{"a":' * 100 + "1" + "}" * 100).encode()


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["deep-array", "deep-object"])
async def test_deeply_nested_json_is_a_400_before_and_after_sign_in(http, admin, body):
    for client, path in ((http, "/api/v1/auth/token"), (admin, "/api/v1/teams")):
        status, answer = await client.post(
            path, data=body, headers={"Content-Type": "application/json"}
        )
        assert status == 400, answer
        assert answer["error"]["code"] == "invalid_json"


async def test_deep_json_to_a_webhook_is_a_400_and_kept(http, admin, facebook_channel):
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": facebook_signature(DEEP)}
    status, answer = await http.post(
        f"/webhooks/facebook/{facebook_channel['id']}", data=DEEP, headers=headers
    )
    assert status == 400 and answer["error"]["code"] == "invalid_payload"
    _, letters = await admin.get(f"/api/v1/channels/{facebook_channel['id']}/dead-letters")
    assert len(letters["items"]) == 1


@pytest.mark.parametrize(
    "update",
    [
        {"update_id": 1, "message": "x"},
        {"update_id": 2, "message": {"message_id": "x", "chat": 5, "date": "soon"}},
        {"update_id": 3, "callback_query": []},
        [1, 2, 3],
        "just a string",
    ],
)
async def test_a_telegram_update_of_the_wrong_shape_is_a_400_and_kept(
    http, admin, telegram_channel, update
):
    status, answer = await http.post(
        f"/webhooks/telegram/{telegram_channel['id']}",
        data=json.dumps(update).encode(),
        headers={
            "Content-Type": "application/json",
            "X-Telegram-Bot-Api-Secret-Token": telegram_channel["secret_token"],
        },
    )
    assert status == 400, answer
    _, letters = await admin.get(f"/api/v1/channels/{telegram_channel['id']}/dead-letters")
    assert len(letters["items"]) == 1


async def test_a_zalo_body_that_cannot_be_checked_is_refused_not_parsed(http, zalo_channel):
    for body in (DEEP, b"[1, 2]", b'{"app_id": {"x": 1}}', b"not json"):
        status, answer = await http.post(
            f"/webhooks/zalo/{zalo_channel['id']}",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-ZEvent-Signature": "mac=" + "0" * 64,
            },
        )
        assert status == 401, (body[:20], answer)
