"""watch_many's fan-in, fed by in-process fetch functions."""

from __future__ import annotations

import anyio
import pytest

from pwasync._errors import NotFoundError
from pwasync._retry import RetryPolicy
from pwasync._watch_many import MultiWatch
from pwasync.models import ProvisionSnapshot
from pwasync.models.events import ProvisionEvent, WatchFailure

from ._snapshots import snapshot, step

pytestmark = pytest.mark.anyio

FAST = RetryPolicy(attempts=2, base_delay=0.001, max_delay=0.002)


class _Runs:
    """Runs that finish on their third poll, six events each; ids starting with 'gone' get 404."""

    def __init__(self) -> None:
        self.polls: dict[str, int] = {}
        self.in_flight = 0
        self.max_in_flight = 0

    async def fetch(self, infra_id: str) -> ProvisionSnapshot:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await anyio.sleep(0.002)
        finally:
            self.in_flight -= 1
        if infra_id.startswith("gone"):
            raise NotFoundError("no such run", status=404, method="GET", path="/p")
        count = self.polls[infra_id] = self.polls.get(infra_id, 0) + 1
        status = "provisioned" if count >= 3 else "provisioning"
        return snapshot(step("s0", status, "x" * count), infra_id=infra_id)


def _many(runs: _Runs, ids: list[str], **options: object) -> MultiWatch:
    settings: dict[str, object] = {"retry": FAST, "interval": 0.001, "max_interval": 0.002}
    settings.update(options)
    return MultiWatch(runs.fetch, ids, **settings)  # type: ignore[arg-type]


async def test_failed_run_becomes_item() -> None:
    """A run that fails yields one WatchFailure while every other run finishes."""
    runs = _Runs()
    ids = ["run-0", "gone-1", "run-2"]

    async with _many(runs, ids) as items:
        collected = [item async for item in items]

    failures = [item for item in collected if isinstance(item, WatchFailure)]
    events = [item for item in collected if isinstance(item, ProvisionEvent)]
    assert [failure.infra_id for failure in failures] == ["gone-1"]
    assert isinstance(failures[0].error, NotFoundError)
    finished = sorted(event.infra_id for event in events if event.kind.value == "finished")
    assert finished == ["run-0", "run-2"]


async def test_concurrency_bounds_polls_in_flight() -> None:
    """No more than `concurrency` polls are in flight across all runs."""
    runs = _Runs()
    ids = [f"run-{number}" for number in range(40)]

    async with _many(runs, ids, concurrency=5) as items:
        count = len([item async for item in items])

    assert runs.max_in_flight == 5
    assert count == 40 * 6


async def test_leaving_early_cancels_every_watch() -> None:
    """Leaving the block after the first item stops all polls before it returns."""
    runs = _Runs()
    ids = [f"run-{number}" for number in range(10)]

    async with _many(runs, ids, concurrency=3) as items:
        async for _ in items:
            break

    assert runs.in_flight == 0


async def test_iterating_before_enter_is_rejected() -> None:
    """Iterating watch_many outside its async with block raises a RuntimeError."""
    many = _many(_Runs(), ["run-0"])

    with pytest.raises(RuntimeError, match="enter watch_many with 'async with'"):
        await many.__anext__()


@pytest.mark.parametrize(
    ("ids", "options", "error", "message"),
    [
        ("run-0", {}, TypeError, "infra_ids must be an iterable of infraId strings"),
        (["a", "b", "a"], {}, ValueError, "infra_ids must be unique; repeated: a"),
        (["a", ""], {}, ValueError, "every infra_id must be a non-empty string, got ''"),
        (["a"], {"concurrency": 0}, ValueError, "concurrency must be at least 1, got 0"),
        (["a"], {"cursors": {"b": "{}"}}, ValueError, "cursors name runs that are not watched: b"),
    ],
)
def test_invalid_arguments_are_rejected(
    ids: object, options: dict[str, object], error: type[Exception], message: str
) -> None:
    """Bad ids, concurrency or cursors raise when watch_many is called."""

    with pytest.raises(error, match=message):
        _many(_Runs(), ids, **options)  # type: ignore[arg-type]
