"""Secrets stay out of logs, reprs and messages; credentials go only to the configured origin."""

from __future__ import annotations

import base64
import logging

import pytest
from aiohttp import web

from pwasync import APIError, Client, PWAsyncError, RetryPolicy

from ._support import FakeTime, ScriptedServer, error_reply, start_app

pytestmark = pytest.mark.anyio

KEY_SECRET = "SECRET-KEY-1234"
QUERY_SECRET = "SECRET-QUERY-5678"
BODY_SECRET = "SECRET-BODY-9012"
API_KEY = f"pwt_{base64.urlsafe_b64encode(b'127.0.0.1').decode().rstrip('=')}.{KEY_SECRET}"


def _secrets() -> list[str]:
    basic = base64.b64encode(f"{API_KEY}:".encode()).decode()
    return [KEY_SECRET, QUERY_SECRET, BODY_SECRET, basic]


async def test_no_secret_in_logs_or_errors(
    server: ScriptedServer, fake_time: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    """Failing, retried calls log and raise without any key, query value or body."""
    server.default = error_reply(503, "unavailable")
    caplog.set_level(logging.DEBUG)
    errors: list[PWAsyncError] = []

    async with Client(api_key=API_KEY, base_url=server.url, retry=fake_time.policy()) as pw:
        for call in (
            pw.auth.workflow_oidc_token(audience=QUERY_SECRET),
            pw.admin.update_license(BODY_SECRET),
            pw.sessions.get("alice", QUERY_SECRET),
        ):
            try:
                await call
            except PWAsyncError as error:
                errors.append(error)
        client_repr = repr(pw)

    assert len(errors) == 3
    texts = [client_repr, repr(pw.sessions)]
    texts += [text for error in errors for text in (str(error), repr(error))]
    texts += [record.getMessage() for record in caplog.records]
    assert any("pwasync" in record.name for record in caplog.records)
    for secret in _secrets():
        assert all(secret not in text for text in texts), secret


async def test_query_kept_out_of_error_path(server: ScriptedServer) -> None:
    """The error names the path template, not the filled path or its query."""
    server.default = error_reply(400, "bad audience")

    async with Client(api_key=API_KEY, base_url=server.url, retry=RetryPolicy(attempts=1)) as pw:
        with pytest.raises(APIError) as caught:
            await pw.auth.workflow_oidc_token(audience=QUERY_SECRET)

    assert caught.value.path == "/api/auth/oidc/token/workflow"
    assert QUERY_SECRET in server.received[0].raw_path


async def test_redirect_location_not_followed(server: ScriptedServer) -> None:
    """oidc_redirect_url returns the Location and never sends the credential there."""
    other_hits: list[str] = []

    async def record(request: web.Request) -> web.StreamResponse:
        other_hits.append(request.headers.get("Authorization", ""))
        return web.Response(text="login page")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", record)
    runner, other_url = await start_app(app)
    location = f"{other_url}/authorize?client_id=c1&state=s"
    server.script(web.Response(status=302, headers={"Location": location}))

    try:
        async with Client(api_key=API_KEY, base_url=server.url) as pw:
            url = await pw.auth.oidc_redirect_url("am-1")
    finally:
        await runner.cleanup()

    assert url == location
    assert other_hits == []
    assert server.received[0].raw_path == "/api/auth/sso/oidc/redirect/am-1"
