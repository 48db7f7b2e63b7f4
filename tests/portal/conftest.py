"""Fixtures for the portal: its settings pointing at the test's email channel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.portal.helpers import PortalCustomer, new_session, sign_in


@pytest.fixture
async def portal(admin, email_channel) -> dict[str, Any]:
    status, body = await admin.put(
        "/api/v1/portal",
        json={"name": "Shop Lan", "email_channel_id": email_channel["id"], "reopen_days": 7},
    )
    assert status == 200, body
    return body


@pytest.fixture
async def lan(http, smtp, server, portal) -> AsyncIterator[PortalCustomer]:
    async with new_session() as session:
        yield await sign_in(http, smtp, server.url, session, "lan@example.com")


@pytest.fixture
async def minh(http, smtp, server, portal) -> AsyncIterator[PortalCustomer]:
    async with new_session() as session:
        yield await sign_in(http, smtp, server.url, session, "minh@example.com")
