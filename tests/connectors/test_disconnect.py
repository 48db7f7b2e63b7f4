"""Disconnecting a channel unregisters it at the platform where the platform allows it, and
tells the admin what happened; a refusal is shown and the channel stays until forced."""

from __future__ import annotations

from tests.conftest import customer_writes


async def channel_ids(admin) -> set[str]:
    status, page = await admin.get("/api/v1/channels")
    assert status == 200
    return {c["id"] for c in page["items"]}


async def test_disconnecting_telegram_removes_the_webhook(admin, telegram_channel, fake_telegram):
    fake, _ = fake_telegram
    assert fake.webhook["url"] == telegram_channel["webhook_url"]

    status, removed = await admin.delete(f"/api/v1/channels/{telegram_channel['id']}")

    assert status == 200, removed
    assert removed["unregistered"] is True and "webhook removed" in removed["message"]
    assert fake.sent("deleteWebhook") and fake.webhook == {}
    assert telegram_channel["id"] not in await channel_ids(admin)


async def test_a_refused_unregistration_is_shown_and_the_channel_stays_until_forced(
    admin, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    fake.fail("deleteWebhook", 500, "Internal Server Error")
    path = f"/api/v1/channels/{telegram_channel['id']}"

    status, refused = await admin.delete(path)

    assert status == 409, refused
    assert refused["error"]["code"] == "platform_refused"
    assert "did not remove the webhook" in refused["error"]["message"]
    assert telegram_channel["id"] in await channel_ids(admin)

    fake.fail("deleteWebhook", 500, "Internal Server Error")
    status, removed = await admin.delete(f"{path}?force=true")
    assert status == 200, removed
    assert removed["unregistered"] is False and "did not remove" in removed["message"]
    assert telegram_channel["id"] not in await channel_ids(admin)


async def test_disconnecting_facebook_unsubscribes_the_app_from_the_page(
    admin, facebook_channel, fake_graph
):
    fake, _ = fake_graph
    fake.fail("unsubscribe", 400, 190, "Error validating access token: Session has expired.")
    path = f"/api/v1/channels/{facebook_channel['id']}"

    status, refused = await admin.delete(path)
    assert status == 409 and "token is no longer valid" in refused["error"]["message"], refused
    assert refused["error"]["details"] == {"retryable": False}

    status, removed = await admin.delete(path)
    assert status == 200, removed
    assert removed["unregistered"] is True and "unsubscribed" in removed["message"]
    unsubscribed = [params for kind, params in fake.calls if kind == "unsubscribe"]
    assert len(unsubscribed) == 2
    assert unsubscribed[-1]["access_token"] in fake.valid_tokens


async def test_zalo_says_where_to_remove_the_webhook_by_hand(admin, zalo_channel):
    status, removed = await admin.delete(f"/api/v1/channels/{zalo_channel['id']}")
    assert status == 200, removed
    assert removed["unregistered"] is False
    assert "developer console" in removed["message"]
    assert zalo_channel["webhook_url"] in removed["message"]


async def test_only_admins_disconnect(agent, telegram_channel):
    status, _ = await agent.delete(f"/api/v1/channels/{telegram_channel['id']}")
    assert status == 403


async def test_disabling_pauses_the_channel_and_enabling_registers_it_again(
    http, admin, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    await customer_writes(http, telegram_channel, 77, "xin chào")
    (conversation,) = (await admin.get("/api/v1/conversations"))[1]["items"]
    path = f"/api/v1/channels/{telegram_channel['id']}"

    status, disabled = await admin.patch(path, json={"enabled": False})

    assert status == 200, disabled
    assert disabled["enabled"] is False and "webhook removed" in disabled["platform_note"]
    assert fake.webhook == {}
    status, refused = await admin.post(
        f"/api/v1/conversations/{conversation['id']}/messages", json={"text": "hello"}
    )
    assert status == 422 and "disabled" in refused["error"]["message"], refused
    # What still arrives is kept, never dropped.
    await customer_writes(http, telegram_channel, 77, "còn đó không?", message_id=2)
    status, thread = await admin.get(f"/api/v1/conversations/{conversation['id']}/messages")
    assert thread["items"][-1]["text"] == "còn đó không?"

    status, enabled = await admin.patch(path, json={"enabled": True})
    assert status == 200 and enabled["enabled"] is True, enabled
    assert fake.webhook["url"] == telegram_channel["webhook_url"]
    status, reply = await admin.post(
        f"/api/v1/conversations/{conversation['id']}/messages", json={"text": "Có ạ"}
    )
    assert status == 201, reply


async def test_a_refused_disable_leaves_the_channel_as_it_was(
    admin, telegram_channel, fake_telegram
):
    fake, _ = fake_telegram
    fake.fail("deleteWebhook", 500, "Internal Server Error")
    path = f"/api/v1/channels/{telegram_channel['id']}"
    status, refused = await admin.patch(path, json={"enabled": False})
    assert status == 409 and refused["error"]["code"] == "platform_refused", refused
    assert (await admin.get(path))[1]["enabled"] is True


async def test_a_disabled_mailbox_is_not_read(admin, rt, smtp, dovecot_server):
    from inbox.services import channels
    from tests.connectors.test_email import mailbox_channel

    status, channel, _, _ = await mailbox_channel(admin, smtp, dovecot_server)
    assert status == 201, channel
    assert [c["name"] for c in await channels.pollable(rt, ["email"])] == ["Support"]
    status, disabled = await admin.patch(
        f"/api/v1/channels/{channel['id']}", json={"enabled": False}
    )
    assert status == 200 and "no longer read" in disabled["platform_note"], disabled
    assert await channels.pollable(rt, ["email"]) == []
