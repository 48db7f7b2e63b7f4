"""POST /api/v1/auth/token: trade an email and password for a Bearer token."""

from __future__ import annotations

from aiohttp import web

from inbox import auth, clock, login_throttle
from inbox.api.routing import api
from inbox.auth import Access
from inbox.errors import Unauthorized
from inbox.keys import principal, runtime
from inbox.models.agents import AgentOut, TokenOut, TokenRequest
from inbox.services import agents


@api(
    "POST",
    "/auth/token",
    summary="Create an API token from an agent's email and password",
    tag="auth",
    body=TokenRequest,
    response=TokenOut,
    level=Access.PUBLIC,
)
async def create_token(request: web.Request, body: TokenRequest) -> TokenOut:
    rt = runtime(request)
    email = agents.normalise_email(body.email)
    ip = request.remote or "unknown"
    await login_throttle.check_allowed(rt, email, ip)
    agent = await agents.authenticate(rt, email, body.password)
    if agent is None:
        await login_throttle.record_failure(rt, email, ip)
        raise Unauthorized("Wrong email or password.", code="invalid_credentials")
    await login_throttle.clear_failures(rt, email, ip)
    token, expires_at = await auth.issue_token(rt, agent["_id"], body.name)
    return TokenOut(token=token, expires_at=clock.iso(expires_at))


@api("DELETE", "/auth/token", summary="Revoke the Bearer token of this request", tag="auth")
async def revoke_token(request: web.Request) -> None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        await auth.revoke_token(runtime(request), header.removeprefix("Bearer ").strip())


@api("GET", "/me", summary="The signed-in agent", tag="auth", response=AgentOut)
async def me(request: web.Request) -> AgentOut:
    rt = runtime(request)
    return AgentOut.of(await agents.get(rt, principal(request).id))
