"""Leaving a watch_many block: the caller's own exception comes out as itself."""

from __future__ import annotations

import traceback

import anyio
import pytest

from pwasync import Client, RetryPolicy

from ._scripted import API_KEY, scripted, step

pytestmark = pytest.mark.anyio

FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02)
RUNNING = [step(0, "a", "provisioning")]


def _fail_on_first_event() -> None:
    raise KeyError("missing-key")


async def test_body_exception_raised_unwrapped() -> None:
    """A KeyError raised inside the block is caught by ``except KeyError``, not wrapped."""
    caught: KeyError | None = None

    async with (
        scripted([RUNNING]) as server,
        Client(api_key=API_KEY, base_url=server.url, retry=FAST) as pw,
    ):
        try:
            async with pw.provision_status.watch_many(
                "acme", ["inf-1", "inf-2"], interval=0.01, max_interval=0.02
            ) as items:
                async for _item in items:
                    _fail_on_first_event()
        except KeyError as error:
            caught = error

    assert caught is not None
    assert caught.args == ("missing-key",)
    assert caught.__traceback__ is not None
    frames = [frame.name for frame in traceback.extract_tb(caught.__traceback__)]
    assert "_fail_on_first_event" in frames


async def test_outer_cancellation_still_propagates() -> None:
    """Cancelling the scope around the block ends it, and the scope absorbs the cancellation."""
    reached_end = False

    async with (
        scripted([RUNNING]) as server,
        Client(api_key=API_KEY, base_url=server.url, retry=FAST) as pw,
    ):
        with anyio.CancelScope() as scope:
            async with pw.provision_status.watch_many(
                "acme", ["inf-1", "inf-2"], interval=0.01, max_interval=0.02
            ) as items:
                async for _item in items:
                    scope.cancel()
                    await anyio.sleep(1)
            reached_end = True

    assert scope.cancelled_caught
    assert not reached_end


async def test_body_exception_with_cancellation_raised_unwrapped() -> None:
    """A ValueError raised while an outer scope is being cancelled still comes out as itself."""
    caught: ValueError | None = None

    async with (
        scripted([RUNNING]) as server,
        Client(api_key=API_KEY, base_url=server.url, retry=FAST) as pw,
    ):
        with anyio.CancelScope() as scope:
            try:
                async with pw.provision_status.watch_many(
                    "acme", ["inf-1"], interval=0.01, max_interval=0.02
                ) as items:
                    async for _item in items:
                        scope.cancel()
                        raise ValueError("bad event")
            except ValueError as error:
                caught = error

    assert caught is not None
    assert str(caught) == "bad event"
