"""A server that rewrites a step's logs instead of appending: the watch reports the new text."""

from __future__ import annotations

import logging

import pytest

from pwasync import Client, ProvisionEvent, RetryPolicy

from ._scripted import API_KEY, scripted, step

pytestmark = pytest.mark.anyio

FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02)


async def _events(url: str, cursor: str | None = None) -> list[ProvisionEvent]:
    async with Client(api_key=API_KEY, base_url=url, retry=FAST) as pw:
        watch = pw.provision_status.watch(
            "acme", "inf-1", interval=0.01, max_interval=0.02, timeout=5, cursor=cursor
        )
        async with watch as events:
            return [event async for event in events]


def _logs(events: list[ProvisionEvent]) -> list[tuple[str, str]]:
    return [
        (event.previous.logs if event.previous else "", event.new_logs)
        for event in events
        if event.kind.value == "logs_appended"
    ]


async def test_shrunk_then_regrown_logs() -> None:
    """Logs that shrink and then grow differently are each reported whole, never spliced."""
    replies = [
        [step(0, "a", "provisioning", "hello world")],
        [step(0, "a", "provisioning", "hel")],
        [step(0, "a", "provisioning", "xyzzy world and more")],
        [step(0, "a", "provisioned", "xyzzy world and more")],
    ]

    async with scripted(replies) as server:
        events = await _events(server.url)

    assert _logs(events) == [
        ("", "hello world"),
        ("", "hel"),
        ("", "xyzzy world and more"),
    ]
    assert events[-1].kind.value == "finished"


async def test_same_length_rewrite_reported() -> None:
    """Logs rewritten at the same length are reported whole once, then growth as usual."""
    replies = [
        [step(0, "a", "provisioning", "abc")],
        [step(0, "a", "provisioning", "xyz")],
        [step(0, "a", "provisioning", "xyz!")],
        [step(0, "a", "provisioned", "xyz!")],
    ]

    async with scripted(replies) as server:
        events = await _events(server.url)

    assert _logs(events) == [("", "abc"), ("", "xyz"), ("xyz", "!")]


async def test_resume_after_rewrite_repeats_nothing(caplog: pytest.LogCaptureFixture) -> None:
    """A watcher resumed from a cursor taken after a rewrite accepts the new logs."""
    replies = [
        [step(0, "a", "provisioning", "hello world")],
        [step(0, "a", "provisioning", "hel")],
    ]
    async with (
        scripted(replies) as server,
        Client(api_key=API_KEY, base_url=server.url, retry=FAST) as pw,
    ):
        watch = pw.provision_status.watch("acme", "inf-1", interval=0.01, max_interval=0.02)
        async with watch as stream:
            seen = [await stream.__anext__() for _ in range(3)]
    finished = [[step(0, "a", "provisioned", "hel and on")]]
    caplog.clear()

    with caplog.at_level(logging.WARNING, logger="pwasync"):
        async with scripted(finished) as server:
            resumed = await _events(server.url, cursor=seen[-1].cursor)

    assert _logs(seen) == [("", "hello world"), ("", "hel")]
    assert _logs(resumed) == [("hel", " and on")]
    assert [event.kind.value for event in resumed] == [
        "logs_appended",
        "status_changed",
        "finished",
    ]
    assert caplog.records == []
