"""A customer in the portal: signs in through the email link (read from the real SMTP
server), keeps the portal cookie, and calls the portal's pages and API."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import aiohttp

from tests.conftest import eventually

LINK = re.compile(r"(/portal/auth/[A-Za-z0-9_-]+)")
CODE = re.compile(r"\b(\d{6})\b")
CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class PortalCustomer:
    session: aiohttp.ClientSession
    base: str
    csrf: str = ""

    async def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        headers = {"X-CSRF-Token": self.csrf, **kwargs.pop("headers", {})}
        async with self.session.request(
            method, self.base + path, headers=headers, allow_redirects=False, **kwargs
        ) as response:
            body = await response.read()
            try:
                return response.status, await response.json(content_type=None)
            except ValueError:
                return response.status, body.decode(errors="replace")

    async def page(self, path: str) -> tuple[int, str]:
        async with self.session.get(self.base + path, allow_redirects=False) as response:
            return response.status, await response.text()


def mails_to(recorder: Any, address: str) -> list[EmailMessage]:
    return [m for m in recorder.messages if address in str(m["To"])]


def text_of(mail: EmailMessage) -> str:
    return mail.get_body(("plain",)).get_content()


async def latest_mail(recorder: Any, address: str, seen: int = 0) -> EmailMessage:
    """The newest mail to `address` once there are more than `seen`."""

    async def arrived():
        found = mails_to(recorder, address)
        return found[-1] if len(found) > seen else None

    return await eventually(arrived)


async def ask_link(http: Any, email: str) -> tuple[int, Any]:
    return await http.post("/portal/sign-in", json={"email": email})


async def follow_link(customer: PortalCustomer, path: str) -> tuple[int, str]:
    """Open a sign-in link and press its button, as a browser would."""
    status, page = await customer.page(path)
    if status != 200:
        return status, page
    token = CSRF_FIELD.search(page).group(1)
    async with customer.session.post(
        customer.base + path, data={"csrf_token": token}, allow_redirects=False
    ) as response:
        return response.status, response.headers.get("Location", "")


async def signed_in(base: str, session: aiohttp.ClientSession, link: str) -> PortalCustomer:
    customer = PortalCustomer(session, base)
    status, location = await follow_link(customer, link)
    assert status == 303, location
    status, page = await customer.page("/portal")
    assert status == 200, page
    customer.csrf = CSRF_META.search(page).group(1)
    return customer


async def sign_in(
    http: Any, smtp: Any, base: str, session: aiohttp.ClientSession, email: str
) -> PortalCustomer:
    """The whole passwordless sign-in: ask, read the mail, follow its link."""
    recorder, _ = smtp
    seen = len(mails_to(recorder, email))
    status, _body = await ask_link(http, email)
    assert status == 202, _body
    mail = await latest_mail(recorder, email, seen)
    return await signed_in(base, session, LINK.search(text_of(mail)).group(1))


def new_session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
