"""Nothing a customer sent disappears: Messenger and Zalo files are copied into the inbox
soon after the message is stored, so they outlive the platforms' expiring CDN links."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import web
from bson import ObjectId

from inbox.services import attachment_copies, erasure, retention
from tests.conftest import (
    eventually,
    facebook_posts,
    load_fixture,
    serving,
    zalo_posts,
)

PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
INVOICE = b"%PDF-1.4 invoice " + b"x" * 3000


class FakeCdn:
    """A platform CDN: serves files until a link expires (then 403, like Meta's), or fails."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str]] = {}
        self.expired: set[str] = set()
        self.failing: set[str] = set()
        self.hits: dict[str, int] = {}

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/cdn/{name}", self.serve)
        return app

    async def serve(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        self.hits[name] = self.hits.get(name, 0) + 1
        if name in self.expired:
            return web.Response(status=403, text="URL signature expired")
        if name in self.failing:
            return web.Response(status=503, text="try later")
        data, mime = self.files[name]
        return web.Response(body=data, content_type=mime)


@pytest.fixture
async def cdn():
    async with serving(FakeCdn()) as running:
        yield running


def messenger_image(url: str, mid: str = "m_image-1") -> bytes:
    payload = json.loads(load_fixture("facebook", "image_attachment.json"))
    message = payload["entry"][0]["messaging"][0]["message"]
    message["mid"] = mid
    message["attachments"][0]["payload"]["url"] = url
    return json.dumps(payload).encode()


def zalo_file(url: str, msg_id: str = "zalo-file-1") -> bytes:
    payload = json.loads(load_fixture("zalo", "user_send_file.json"))
    payload["message"]["msg_id"] = msg_id
    payload["message"]["attachments"][0]["payload"]["url"] = url
    return json.dumps(payload).encode()


async def only_message(client) -> dict[str, Any]:
    status, page = await client.get("/api/v1/conversations")
    assert status == 200, page
    (conversation,) = page["items"]
    status, messages = await client.get(f"/api/v1/conversations/{conversation['id']}/messages")
    return [m for m in messages["items"] if m["attachments"]][-1]


async def copy_state(client, wanted: str) -> dict[str, Any] | None:
    message = await only_message(client)
    attachment = message["attachments"][0]
    state = attachment.get("stored_copy") or {}
    return message if state.get("status") == wanted else None


async def attempted(client) -> dict[str, Any] | None:
    """The message, once the first copy attempt failed and the next one waits."""
    message = await only_message(client)
    state = message["attachments"][0]["stored_copy"]
    return message if state["attempts"] == 1 else None


async def test_a_messenger_image_outlives_its_expired_link(http, admin, facebook_channel, cdn, rt):
    fake, base = cdn
    fake.files["photo.png"] = (PHOTO, "image/png")
    url = f"{base}/cdn/photo.png"
    status, _ = await facebook_posts(http, facebook_channel, messenger_image(url))
    assert status == 200

    message = await eventually(lambda: copy_state(admin, "copied"))
    fake.expired.add("photo.png")  # Meta's link stops working
    (attachment,) = message["attachments"]
    assert attachment["source_url"] == url
    assert attachment["url"].startswith("/api/v1/files/")
    assert attachment["mime_type"] == "image/png" and attachment["size"] == len(PHOTO)
    assert await admin.get_bytes(attachment["url"]) == (200, PHOTO)
    assert await admin.get_bytes(f"/api/v1/messages/{message['id']}/attachments/0") == (
        200,
        PHOTO,
    )
    # Promoted to a ticket, the ticket's thread shows the same copy.
    status, ticket = await admin.post(
        f"/api/v1/conversations/{message['conversation_id']}/ticket", json={"title": "Broken"}
    )
    assert status == 201, ticket
    status, thread = await admin.get(f"/api/v1/tickets/{ticket['id']}/messages")
    shown = [a for m in thread["items"] for a in m["attachments"]]
    assert [a["url"] for a in shown] == [attachment["url"]]
    assert await admin.get_bytes(shown[0]["url"]) == (200, PHOTO)

    # A redelivered webhook and a task run twice store nothing more.
    await facebook_posts(http, facebook_channel, messenger_image(url))
    assert await attachment_copies.copy(rt, message["id"]) == {}
    assert await rt.store["files"].estimated_document_count() == 1
    assert fake.hits["photo.png"] == 1


async def test_a_zalo_file_is_kept_and_the_same_bytes_are_stored_once(
    http, admin, zalo_channel, cdn, rt
):
    fake, base = cdn
    fake.files["hoa-don.pdf"] = (INVOICE, "application/pdf")
    fake.files["hoa-don-again.pdf"] = (INVOICE, "application/pdf")
    await zalo_posts(http, zalo_channel, zalo_file(f"{base}/cdn/hoa-don.pdf"))
    first = await eventually(lambda: copy_state(admin, "copied"))
    await zalo_posts(http, zalo_channel, zalo_file(f"{base}/cdn/hoa-don-again.pdf", "zalo-file-2"))
    second = await eventually(lambda: copy_state(admin, "copied"))
    assert second["id"] != first["id"]
    fake.expired |= {"hoa-don.pdf", "hoa-don-again.pdf"}

    for message in (first, second):
        (attachment,) = message["attachments"]
        assert attachment["name"] == "hoa-don.pdf"
        assert attachment["mime_type"] == "application/pdf"
        assert await admin.get_bytes(attachment["url"]) == (200, INVOICE)
    # Two files for two messages, one set of chunks.
    assert await rt.store["files"].estimated_document_count() == 2
    assert await rt.store["file_chunks"].estimated_document_count() == 1  # one 1 MiB chunk


async def test_an_oversized_or_vanished_file_is_marked_with_its_reason(
    http, admin, facebook_channel, cdn
):
    fake, base = cdn
    status, _ = await admin.patch(
        f"/api/v1/channels/{facebook_channel['id']}", json={"settings": {"max_attachment_mb": 1}}
    )
    assert status == 200
    fake.files["video.mp4"] = (b"v" * (1024 * 1024 + 1), "video/mp4")
    await facebook_posts(http, facebook_channel, messenger_image(f"{base}/cdn/video.mp4"))
    message = await eventually(lambda: copy_state(admin, "failed"))
    (attachment,) = message["attachments"]
    assert "larger than the 1 MB limit" in attachment["stored_copy"]["error"]
    assert attachment["url"] is None and attachment["source_url"].endswith("/cdn/video.mp4")
    status, body = await admin.get(f"/api/v1/messages/{message['id']}/attachments/0")
    assert status == 404 and "larger than" in body["error"]["message"]

    fake.files["gone.png"] = (PHOTO, "image/png")
    fake.expired.add("gone.png")
    await facebook_posts(http, facebook_channel, messenger_image(f"{base}/cdn/gone.png", "m-2"))

    async def gone_marked():
        message = await only_message(admin)
        state = message["attachments"][0].get("stored_copy") or {}
        return state.get("status") == "failed" and state["error"]

    assert "no longer has the file (HTTP 403)" in await eventually(gone_marked)


async def test_a_failing_cdn_is_tried_again_and_served_through_us_meanwhile(
    http, admin, facebook_channel, cdn, rt
):
    fake, base = cdn
    fake.files["later.png"] = (PHOTO, "image/png")
    fake.failing.add("later.png")
    await facebook_posts(http, facebook_channel, messenger_image(f"{base}/cdn/later.png"))

    message = await eventually(lambda: attempted(admin))
    (attachment,) = message["attachments"]
    assert attachment["stored_copy"]["status"] == "pending"
    assert "HTTP 503" in attachment["stored_copy"]["error"]
    assert attachment["url"] == f"/api/v1/messages/{message['id']}/attachments/0"
    status, _ = await admin.get(attachment["url"])
    assert status == 502  # the platform is failing: said so, not a 500
    stored = await rt.store["messages"].find_one({"_id": ObjectId(message["id"])})
    assert stored["copy_due_at"] is not None  # the next try is scheduled

    fake.failing.clear()
    assert await admin.get_bytes(attachment["url"]) == (200, PHOTO)  # proxied meanwhile
    assert await attachment_copies.copy(rt, message["id"]) == {"copied": 1}
    stored = await rt.store["messages"].find_one({"_id": ObjectId(message["id"])})
    assert stored["copy_due_at"] is None


async def test_a_copy_still_waiting_when_its_channel_goes_is_marked_and_not_tried_again(
    http, admin, facebook_channel, cdn, rt
):
    fake, base = cdn
    fake.files["late.png"] = (PHOTO, "image/png")
    fake.failing.add("late.png")
    await facebook_posts(http, facebook_channel, messenger_image(f"{base}/cdn/late.png"))
    message = await eventually(lambda: attempted(admin))
    status, _ = await admin.delete(f"/api/v1/channels/{facebook_channel['id']}")
    assert status == 200

    assert await attachment_copies.copy(rt, message["id"]) == {"failed": 1}
    stored = await rt.store["messages"].find_one({"_id": ObjectId(message["id"])})
    assert stored["copy_due_at"] is None  # the sweep leaves it alone
    assert stored["attachments"][0]["copy"]["error"] == attachment_copies.CHANNEL_GONE
    assert await attachment_copies.copy(rt, message["id"]) == {}


async def test_backfill_copies_what_was_stored_as_links_before(
    http, admin, facebook_channel, cdn, rt
):
    fake, base = cdn
    fake.files["old.png"] = (PHOTO, "image/png")
    fake.failing.add("old.png")  # the copy task fails now; then the message looks "old"
    url = f"{base}/cdn/old.png"
    await facebook_posts(http, facebook_channel, messenger_image(url))
    message = await eventually(lambda: attempted(admin))
    old_style = {"type": "image", "url": url}  # how messages were stored before copies
    await rt.store["messages"].update_one(
        {"_id": ObjectId(message["id"])},
        {"$set": {"attachments": [old_style], "copy_due_at": None}},
    )
    fake.failing.clear()

    assert await attachment_copies.backfill(rt) == {"copied": 1}
    copied = await only_message(admin)
    assert copied["attachments"][0]["stored_copy"]["status"] == "copied"
    assert await admin.get_bytes(copied["attachments"][0]["url"]) == (200, PHOTO)
    assert await attachment_copies.backfill(rt) == {}  # nothing twice


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"attachment_retention_days": 30})


async def test_retention_and_erasure_remove_the_chunks(
    http, admin, agent, facebook_channel, cdn, rt
):
    fake, base = cdn
    assert await admin.get("/api/v1/retention") == (200, {"attachment_days": 30})  # the default
    assert (await agent.put("/api/v1/retention", json={"attachment_days": 1}))[0] == 403
    status, _ = await admin.put("/api/v1/retention", json={"attachment_days": 0})
    assert status == 422
    fake.files["a.png"] = (PHOTO, "image/png")
    fake.files["b.pdf"] = (INVOICE, "application/pdf")
    await facebook_posts(http, facebook_channel, messenger_image(f"{base}/cdn/a.png"))
    await eventually(lambda: copy_state(admin, "copied"))
    assert await retention.expire_files(rt) == 0  # younger than 30 days
    await rt.store["files"].update_many(
        {"created_at": {"$gt": _days_ago(1)}}, {"$set": {"created_at": _days_ago(31)}}
    )
    await admin.put("/api/v1/retention", json={"attachment_days": 60})  # an admin keeps more
    assert await retention.expire_files(rt) == 0
    await admin.put("/api/v1/retention", json={"attachment_days": 30})
    assert await retention.expire_files(rt) == 1
    assert await rt.store["file_chunks"].estimated_document_count() == 0
    message = await only_message(admin)
    (attachment,) = message["attachments"]
    assert attachment["stored_copy"]["status"] == "removed"
    assert "30 days" in attachment["stored_copy"]["error"] and attachment["url"] is None

    await facebook_posts(http, facebook_channel, messenger_image(f"{base}/cdn/b.pdf", "m-b"))
    await eventually(lambda: copy_state(admin, "copied"))
    assert await rt.store["file_chunks"].estimated_document_count() == 1
    contact = await rt.store["contacts"].find_one({"_id": ObjectId(message["sender"]["id"])})
    await erasure.erase(rt, contact, _admin_actor())
    assert await rt.store["files"].estimated_document_count() == 0
    assert await rt.store["file_chunks"].estimated_document_count() == 0


def _days_ago(days: int):
    from datetime import timedelta

    from inbox import clock

    return clock.now() - timedelta(days=days)


def _admin_actor():
    from inbox.events import Actor

    return Actor(type="agent", name="Admin")
