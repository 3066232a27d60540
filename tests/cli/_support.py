"""Helpers that run ``pwasync`` as a subprocess and drive runs on an emulator subprocess."""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence

import anyio
import attrs

PWASYNC = [sys.executable, "-m", "pwasync.cli"]
# Every command in these tests finishes in a few seconds; a hang fails the test.
COMMAND_TIMEOUT = 30.0
# One cluster session per test, so that tests do not depend on each other's updates.
CLUSTERS = (
    "succeeds",
    "fails",
    "fails-json",
    "inspected",
    "stalls",
    "watched",
    "narrated",
    "resumed",
    "interrupted",
)

# An AI Chat that the emulator creates with a bucket attached.
AI_CHAT = "docs-assistant"


@attrs.frozen
class RunningEmulator:
    """A ``pwasync emulator`` subprocess and the facts it printed."""

    url: str
    api_key: str
    org: str
    user: str
    infra_ids: dict[str, str]

    def env(self) -> dict[str, str]:
        """Return an environment with this emulator's key as ``PW_API_KEY``."""
        return {**clean_env(), "PW_API_KEY": self.api_key}


def clean_env() -> dict[str, str]:
    """Return the test process's environment without any pwasync credential."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("PW_API_KEY", "PW_BASE_URL", "PW_PLATFORM_HOST", "PW_TOKEN")
    }
    # Keep rich from guessing a terminal width from the test runner's terminal.
    env["COLUMNS"] = "120"
    return env


def run_pwasync(
    args: Sequence[str], *, env: dict[str, str], timeout: float = COMMAND_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """Run ``pwasync ARGS`` to completion with piped output and return the result."""
    return subprocess.run(
        [*PWASYNC, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def send_updates(emulator: RunningEmulator, cluster: str, updates: Sequence[Update]) -> None:
    """Send provision status updates for ``cluster``, as its provisioning agent would."""
    from pwasync import Client

    async def send() -> None:
        async with Client(api_key=emulator.api_key, base_url=emulator.url) as pw:
            for update in updates:
                await pw.clusters.update_provision_status(
                    emulator.org,
                    emulator.user,
                    cluster,
                    1,
                    step_id=update.step_id,
                    status=update.status,
                    logs=update.logs,
                    error=update.error,
                )

    anyio.run(send, backend="asyncio")


@attrs.frozen
class Update:
    """One provision status update of a step."""

    step_id: str
    status: str
    logs: str | None = None
    error: str | None = None


class StreamingCommand:
    """A ``pwasync`` subprocess whose stdout lines are read as they arrive, with timeouts."""

    def __init__(self, args: Sequence[str], *, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [*PWASYNC, *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def next_line(self, timeout: float = COMMAND_TIMEOUT) -> str:
        """Return the next stdout line; fail the test if none arrives within ``timeout``."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no output line within {timeout} s") from None
        if line is None:
            raise AssertionError("the command ended before printing the expected line")
        return line

    def finish(self, timeout: float = COMMAND_TIMEOUT) -> tuple[int, str, str]:
        """Wait for the exit; return the status, the stdout lines not yet read, and stderr."""
        status = self.process.wait(timeout=timeout)
        self._reader.join(timeout=timeout)
        rest: list[str] = []
        while not self._lines.empty():
            line = self._lines.get_nowait()
            if line is not None:
                rest.append(line)
        assert self.process.stderr is not None
        return status, "".join(rest), self.process.stderr.read()

    def close(self) -> None:
        """Kill the process if it still runs and close its pipes."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=COMMAND_TIMEOUT)
        self._reader.join(timeout=COMMAND_TIMEOUT)
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()


@contextlib.contextmanager
def streaming(args: Sequence[str], *, env: dict[str, str]) -> Iterator[StreamingCommand]:
    """Run ``pwasync ARGS`` in the background for the ``with`` block, then close it."""
    command = StreamingCommand(args, env=env)
    try:
        yield command
    finally:
        command.close()
