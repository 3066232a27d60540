"""Retries: which requests retry, how long they wait, and when they give up."""

from __future__ import annotations

import email.utils
import logging
import time

import pytest
from aiohttp import web

from pwasync import (
    Client,
    ConnectError,
    RateLimitError,
    RequestTimeout,
    RetryPolicy,
    ServerError,
)
from pwasync._retry import parse_retry_after

from ._support import API_KEY, FakeTime, ScriptedServer, error_reply, json_reply, reset_reply


def _client(url: str, policy: RetryPolicy, **options: object) -> Client:
    return Client(api_key=API_KEY, base_url=url, retry=policy, **options)  # type: ignore[arg-type]


def _http_date(seconds_from_now: float, now: float) -> str:
    return email.utils.formatdate(now + seconds_from_now, usegmt=True)


@pytest.mark.anyio
async def test_rate_limit_waits_retry_after(server: ScriptedServer, fake_time: FakeTime) -> None:
    """A 429 with Retry-After in seconds waits that long, then retries."""
    server.script(error_reply(429, "slow down", Retry_After="1.5"), json_reply(200, "alice"))

    async with _client(server.url, fake_time.policy()) as pw:
        user = await pw.auth.whoami()

    assert user == "alice"
    assert fake_time.sleeps == [1.5]
    assert len(server.received) == 2


@pytest.mark.anyio
async def test_rate_limit_http_date(server: ScriptedServer, fake_time: FakeTime) -> None:
    """A Retry-After HTTP date waits until that moment of the server's clock."""
    now = time.time() // 1
    headers = {"Retry-After": _http_date(3, now), "Date": _http_date(0, now)}
    server.script(json_reply(429, {"error": True, "message": "wait"}, headers=headers))
    server.script(json_reply(200, "alice"))

    async with _client(server.url, fake_time.policy()) as pw:
        await pw.auth.whoami()

    assert fake_time.sleeps == [3.0]


@pytest.mark.anyio
async def test_retry_after_over_ceiling(server: ScriptedServer, fake_time: FakeTime) -> None:
    """A Retry-After above max_retry_after raises RateLimitError at once."""
    server.script(error_reply(429, "come back tomorrow", Retry_After="86400"))

    async with _client(server.url, fake_time.policy(max_retry_after=60)) as pw:
        with pytest.raises(RateLimitError) as caught:
            await pw.auth.whoami()

    assert caught.value.retry_after == 86400
    assert fake_time.sleeps == []
    assert len(server.received) == 1
    assert pw.cooldown.pauses == 0


@pytest.mark.anyio
async def test_get_retried_after_reset(server: ScriptedServer, fake_time: FakeTime) -> None:
    """A GET whose connection resets is retried and succeeds."""
    server.script(reset_reply, reset_reply, json_reply(200, "alice"))

    async with _client(server.url, fake_time.policy()) as pw:
        user = await pw.auth.whoami()

    assert user == "alice"
    # Two resets exceed aiohttp's own single resend, so the policy retried.
    assert len(fake_time.sleeps) >= 1


@pytest.mark.anyio
async def test_post_not_retried_after_reset(server: ScriptedServer, fake_time: FakeTime) -> None:
    """A POST whose connection resets may have been acted on, so it is not retried."""
    server.default = reset_reply

    async with _client(server.url, fake_time.policy()) as pw:
        with pytest.raises(ConnectError):
            await pw.admin.update_license("LICENSE-2")

    assert len(server.received) == 1
    assert fake_time.sleeps == []


@pytest.mark.anyio
async def test_post_not_retried_after_timeout(server: ScriptedServer, fake_time: FakeTime) -> None:
    """A POST whose response times out is not retried."""
    server.default = server.stall

    async with _client(server.url, fake_time.policy(), timeout=0.2) as pw:
        with pytest.raises(RequestTimeout):
            await pw.images.create(name="img", csp="aws")

    assert len(server.received) == 1
    assert fake_time.sleeps == []


@pytest.mark.anyio
async def test_get_retried_after_timeout(server: ScriptedServer, fake_time: FakeTime) -> None:
    """A GET whose response times out is retried."""
    server.script(server.stall, json_reply(200, "alice"))

    async with _client(server.url, fake_time.policy(), timeout=0.2) as pw:
        user = await pw.auth.whoami()

    assert user == "alice"
    assert len(fake_time.sleeps) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("attempts", [1, 2, 5])
async def test_attempts_never_exceed_policy(
    server: ScriptedServer, fake_time: FakeTime, attempts: int
) -> None:
    """A server that always fails sees exactly the policy's number of attempts."""
    server.default = error_reply(503, "down for maintenance")

    async with _client(server.url, fake_time.policy(attempts=attempts)) as pw:
        with pytest.raises(ServerError):
            await pw.sessions.list()

    assert len(server.received) == attempts
    assert len(fake_time.sleeps) == attempts - 1


@pytest.mark.anyio
async def test_backoff_follows_formula(server: ScriptedServer, fake_time: FakeTime) -> None:
    """Without jitter, waits grow by the multiplier up to max_delay."""
    server.default = error_reply(500, "boom")
    policy = fake_time.policy(attempts=5, base_delay=0.1, multiplier=2, max_delay=0.3)

    async with _client(server.url, policy) as pw:
        with pytest.raises(ServerError):
            await pw.auth.whoami()

    assert fake_time.sleeps == pytest.approx([0.1, 0.2, 0.3, 0.3])


def test_full_jitter_within_ceiling() -> None:
    """With jitter, each wait lies between 0 and that retry's ceiling."""
    policy = RetryPolicy(base_delay=1.0, multiplier=3.0, max_delay=5.0)

    waits = [wait for _, wait in zip(range(200), policy.delays(), strict=False)]

    ceilings = [1.0, 3.0] + [5.0] * 198
    assert all(0 <= wait <= ceiling for wait, ceiling in zip(waits, ceilings, strict=True))
    assert len(set(waits)) > 100


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("reply", "retried"),
    [
        (error_reply(503, "busy", Retry_After="0.5"), True),
        (error_reply(429, "slow", Retry_After="0.5"), True),
        (error_reply(503, "busy"), False),
        (error_reply(429, "slow"), False),
        (error_reply(500, "boom"), False),
        (error_reply(502, "bad gateway"), False),
    ],
)
async def test_post_retry_rules(
    server: ScriptedServer, fake_time: FakeTime, reply: web.Response, retried: bool
) -> None:
    """A POST retries only on 429 or 503 that carry Retry-After."""
    server.script(reply, web.Response(status=204))
    policy = fake_time.policy(shared_cooldown=False)

    async with _client(server.url, policy) as pw:
        if retried:
            await pw.admin.update_license("LICENSE-2")
        else:
            with pytest.raises(ServerError if reply.status != 429 else RateLimitError):
                await pw.admin.update_license("LICENSE-2")

    assert len(server.received) == (2 if retried else 1)


@pytest.mark.anyio
async def test_post_retried_when_refused(fake_time: FakeTime) -> None:
    """A POST whose connection was refused never reached a server, so it retries."""
    policy = fake_time.policy(attempts=3)

    async with _client("http://127.0.0.1:9", policy) as pw:
        with pytest.raises(ConnectError):
            await pw.admin.update_license("LICENSE-2")

    assert len(fake_time.sleeps) == 2


@pytest.mark.anyio
async def test_deadline_stops_retries(server: ScriptedServer, fake_time: FakeTime) -> None:
    """A retry whose wait would end after the deadline is not made."""
    server.default = error_reply(503, "busy", Retry_After="20")
    policy = fake_time.policy(attempts=10, deadline=45)

    async with _client(server.url, policy) as pw:
        with pytest.raises(ServerError):
            await pw.auth.whoami()

    assert fake_time.sleeps == [20.0, 20.0]
    assert len(server.received) == 3


@pytest.mark.anyio
async def test_retries_logged_as_warnings(
    server: ScriptedServer, fake_time: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    """Each retry and the final give-up log one WARNING with the route template."""
    server.default = error_reply(502, "bad gateway")
    caplog.set_level(logging.WARNING, logger="pwasync")

    async with _client(server.url, fake_time.policy(attempts=3)) as pw:
        with pytest.raises(ServerError):
            await pw.sessions.get("alice", "desk")

    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 3
    assert all("/api/sessions/{namespace}/{name}" in message for message in messages)
    assert "retrying" in messages[0]
    assert "giving up" in messages[-1]


@pytest.mark.parametrize(
    ("value", "date", "expected"),
    [
        ("5", None, 5.0),
        ("0.25", None, 0.25),
        ("  7 ", None, 7.0),
        ("Wed, 21 Oct 2015 07:28:10 GMT", "Wed, 21 Oct 2015 07:28:00 GMT", 10.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", "Wed, 21 Oct 2015 07:28:10 GMT", 0.0),
        ("-3", None, None),
        ("soon", None, None),
        ("", None, None),
        (None, None, None),
        ("nan", None, None),
    ],
)
def test_parse_retry_after(value: str | None, date: str | None, expected: float | None) -> None:
    """Retry-After reads as seconds or an HTTP date relative to the response's Date."""
    assert parse_retry_after(value, date=date) == expected


@pytest.mark.parametrize(
    "options",
    [
        {"attempts": 0},
        {"attempts": 1.5},
        {"base_delay": -1},
        {"multiplier": 0.5},
        {"deadline": 0},
        {"max_retry_after": -1},
    ],
)
def test_policy_rejects_bad_options(options: dict[str, object]) -> None:
    """Out-of-range policy options raise ValueError naming the option."""
    name = next(iter(options))

    with pytest.raises(ValueError, match=f"RetryPolicy.{name}"):
        RetryPolicy(**options)  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_deadline_cuts_attempt_timeout(server: ScriptedServer) -> None:
    """An attempt never outlasts the call's deadline, even with a longer timeout."""
    server.default = server.stall
    policy = RetryPolicy(deadline=0.3)
    started = time.monotonic()

    async with _client(server.url, policy, timeout=30) as pw:
        with pytest.raises(RequestTimeout):
            await pw.auth.whoami()

    assert time.monotonic() - started < 2
    assert len(server.received) == 1
