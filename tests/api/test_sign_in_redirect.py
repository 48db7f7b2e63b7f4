"""After signing in, only a path on this site is followed (no open redirect)."""

from __future__ import annotations

import pytest

from inbox.web.pages import safe_next


@pytest.mark.parametrize(
    "target, followed",
    [
        ("/tickets/T-000001", "/tickets/T-000001"),
        ("/inbox?folder=mine#c1", "/inbox?folder=mine#c1"),
        ("//evil.example", "/inbox"),
        ("/\t/evil.example", "/inbox"),
        ("/\n/evil.example", "/inbox"),
        ("/\\evil.example", "/inbox"),
        ("\\\\evil.example", "/inbox"),
        ("https://evil.example/", "/inbox"),
        ("javascript:alert(1)", "/inbox"),
        ("/ /evil.example", "/inbox"),
        ("/\x00/evil.example", "/inbox"),
        ("evil.example", "/inbox"),
        ("", "/inbox"),
        (None, "/inbox"),
    ],
)
def test_only_local_paths_are_followed(target, followed):
    assert safe_next(target) == followed


async def test_a_signed_in_user_is_not_sent_off_site(admin):
    async with admin.session.get(
        admin.base + "/login?next=/%09/evil.example",
        headers=admin._headers(None),
        allow_redirects=False,
    ) as response:
        assert response.status == 302
        assert response.headers["Location"] == "/inbox"
