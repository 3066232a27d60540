"""Fixtures that run a ``pwasync emulator`` subprocess for the command-line tests."""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator

import pytest

from ._support import AI_CHAT, CLUSTERS, COMMAND_TIMEOUT, PWASYNC, RunningEmulator, clean_env


@pytest.fixture(scope="session")
def emulator() -> Iterator[RunningEmulator]:
    """Serve one emulator subprocess for the command-line tests, with a cluster session per test."""
    command = [*PWASYNC, "emulator", "--json", "--step-seconds", "0.05"]
    for name in CLUSTERS:
        command += ["--cluster", name]
    command += ["--ai-chat", AI_CHAT]
    process = subprocess.Popen(
        command, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        if not first_line:
            raise RuntimeError(f"pwasync emulator did not start: {process.communicate()[1]}")
        announced = json.loads(first_line)
        yield RunningEmulator(
            url=announced["url"],
            api_key=announced["api_key"],
            org=announced["org"],
            user=announced["user"],
            infra_ids=announced["clusters"],
        )
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
