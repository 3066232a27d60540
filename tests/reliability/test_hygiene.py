"""Resource hygiene: cancelled watches and bulk runs leave no task, connection or slot behind."""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import textwrap
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
import pytest

from pwasync import Client, RetryPolicy
from pwasync.testing import Emulator, Faults

from ._support import ThreadedEmulator, check_slots_free, leftover_tasks

pytestmark = pytest.mark.anyio

SLOTS = 8
TRIALS = 15
STEPS = ("plan", "network", "compute")
FAULTS = Faults(
    latency=0.01,
    error_rate=0.10,
    reset_rate=0.05,
    rate_limit_rate=0.05,
    retry_after=1,
    stall_rate=0.05,
    stall_seconds=0.5,
    seed=8,
)
# Stalls outlast the attempt timeout, but the latency of the slot check does not.
ATTEMPT_TIMEOUT = 0.25
POLICY = RetryPolicy(attempts=6, base_delay=0.01, max_delay=0.05, deadline=None)
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"

Scenario = Callable[[Client, ThreadedEmulator, int], Awaitable[object]]


async def _start_runs(emulator: ThreadedEmulator, trial: int, count: int) -> list[str]:
    def start(emu: Emulator) -> list[str]:
        return [
            emu.start_provisioning(emu.org, emu.user, f"h{trial}-{number}", steps=STEPS)
            for number in range(count)
        ]

    return await emulator.call(start)


async def _watch(pw: Client, emulator: ThreadedEmulator, trial: int) -> object:
    (infra_id,) = await _start_runs(emulator, trial, 1)
    async for _ in pw.provision_status.watch(
        emulator.org, infra_id, interval=0.02, max_interval=0.1
    ):
        pass
    return None


async def _watch_many(pw: Client, emulator: ThreadedEmulator, trial: int) -> object:
    ids = await _start_runs(emulator, trial, 6)
    async with pw.provision_status.watch_many(
        emulator.org, ids, concurrency=4, interval=0.02, max_interval=0.1
    ) as items:
        async for _ in items:
            pass
    return None


async def _wait(pw: Client, emulator: ThreadedEmulator, trial: int) -> object:
    (infra_id,) = await _start_runs(emulator, trial, 1)
    return await pw.provision_status.wait(emulator.org, infra_id, interval=0.02, max_interval=0.1)


async def _bulk_create(pw: Client, emulator: ThreadedEmulator, trial: int) -> object:
    names = [f"hygiene-{trial}-{number}" for number in range(40)]
    return await pw.run_many(
        lambda name: pw.images.create(name=name, csp="aws"), names, concurrency=SLOTS * 2
    )


async def _bulk_fail_fast(pw: Client, emulator: ThreadedEmulator, trial: int) -> object:
    async def whoami(_: int) -> str:
        return await pw.auth.whoami()

    return await pw.run_many(whoami, range(60), concurrency=SLOTS * 2, fail_fast=True)


SCENARIOS: list[Scenario] = [_watch, _watch_many, _wait, _bulk_create, _bulk_fail_fast]


async def test_cancelled_work_leaves_nothing_behind() -> None:
    """Watches and bulk runs cancelled at random moments leave no task, connection or slot."""
    rng = random.Random(31)
    async with (
        ThreadedEmulator(step_seconds=0.15, seed=4, faults=FAULTS) as emulator,
        Client(
            api_key=emulator.api_key,
            base_url=emulator.url,
            retry=POLICY,
            timeout=ATTEMPT_TIMEOUT,
            max_concurrency=SLOTS,
        ) as pw,
    ):
        before = set(asyncio.all_tasks())
        cancelled = 0

        for trial in range(TRIALS):
            scenario = SCENARIOS[trial % len(SCENARIOS)]
            with anyio.move_on_after(rng.uniform(0.0, 0.5)) as scope:
                await scenario(pw, emulator, trial)
            cancelled += scope.cancelled_caught

            assert leftover_tasks(before) == [], f"{scenario.__name__} in trial {trial}"

        await check_slots_free(pw, emulator)
        assert await pw.auth.whoami() == emulator.user

    assert cancelled >= TRIALS // 2
    assert leftover_tasks(before) == []


INNER_TESTS = """
import gc

import pytest

from pwasync import Client


class RaisesOnCollection:
    def __del__(self) -> None:
        raise RuntimeError("raised while being collected")


def test_unraisable() -> None:
    RaisesOnCollection()
    gc.collect()


@pytest.mark.anyio
async def test_unclosed_client() -> None:
    client = Client(api_key="pwt_MTI3LjAuMC4x.not-a-secret", base_url="http://127.0.0.1:9")
    await client.open()
    del client
    gc.collect()


def test_control() -> None:
    assert True
"""


def test_unraisable_errors_fail_tests(tmp_path: Path) -> None:
    """Under the project's pytest settings, unraisable errors and unclosed clients fail a test."""
    inner = tmp_path / "test_inner.py"
    inner.write_text(textwrap.dedent(INNER_TESTS))

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-c",
            str(PYPROJECT),
            "--rootdir",
            str(tmp_path),
            "-p",
            "no:cacheprovider",
            "-W",
            "error::ResourceWarning",
            "-q",
            inner.name,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "2 failed, 1 passed" in output, output
    assert "FAILED test_inner.py::test_unraisable" in output, output
    assert "FAILED test_inner.py::test_unclosed_client" in output, output
    assert "PytestUnraisableExceptionWarning" in output, output
    assert "ResourceWarning: unclosed <pwasync.Client" in output, output
