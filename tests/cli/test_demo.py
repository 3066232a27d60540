"""``pwasync demo``: live rows on a terminal, plain lines or JSON when piped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from pwasync.testing import DEFAULT_STEPS

from ._support import COMMAND_TIMEOUT, PWASYNC, clean_env, run_pwasync

SMALL_DEMO = ["demo", "--clusters", "3", "--fail", "1", "--step-seconds", "0.05"]


def run_in_terminal(args: list[str]) -> tuple[int, bytes]:
    """Run ``pwasync ARGS`` with a pseudo-terminal as stdout; return its status and output."""
    controller, terminal = os.openpty()
    env = {**clean_env(), "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    try:
        process = subprocess.Popen(
            [*PWASYNC, *args], stdout=terminal, stderr=subprocess.PIPE, env=env
        )
        os.close(terminal)
        terminal = -1
        output = bytearray()
        deadline = time.monotonic() + COMMAND_TIMEOUT
        while time.monotonic() < deadline:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: every writer closed the terminal
                break
            if not chunk:
                break
            output += chunk
        status = process.wait(timeout=COMMAND_TIMEOUT)
        assert process.stderr is not None
        process.stderr.close()
    finally:
        os.close(controller)
        if terminal >= 0:
            os.close(terminal)
    return status, bytes(output)


def test_demo_piped_prints_plain_lines() -> None:
    """Piped, the demo runs to its summary with exit 0 and writes no escape code."""
    result = run_pwasync(SMALL_DEMO, env=clean_env())

    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout
    assert "demo-cluster-2: failed at step 'launch_controller'" in result.stdout
    assert "Launch controller failed: simulated failure" in result.stdout
    assert "cleanup session admin/demo-cluster-1: deleted" in result.stdout
    assert "clusters provisioned: 2 of 3" in result.stdout
    assert result.stdout.splitlines()[-1].strip().startswith("elapsed:")


def test_demo_json_lines_parse() -> None:
    """With --json every line is a JSON object, and the last one is the summary."""
    result = run_pwasync([*SMALL_DEMO, "--json"], env=clean_env())

    records = [json.loads(line) for line in result.stdout.splitlines()]
    summary = records[-1]
    assert result.returncode == 0, result.stderr
    assert summary["event"] == "summary"
    assert summary["succeeded"] == 2
    assert summary["failed"] == 1
    assert summary["cleanup_deleted"] == 3
    assert {record["event"] for record in records} >= {"started", "step_changed", "cleanup"}


def test_demo_json_counts_done_steps() -> None:
    """Each step_changed line counts the steps finished as of that change, not of its poll."""
    # Steps this short finish several at a time between two polls.
    arguments = ["demo", "--clusters", "3", "--fail", "0", "--step-seconds", "0.01", "--json"]

    result = run_pwasync(arguments, env=clean_env())

    assert result.returncode == 0, result.stderr
    changes = [json.loads(line) for line in result.stdout.splitlines()]
    changes = [record for record in changes if record["event"] == "step_changed"]
    assert changes
    for record in changes:
        # The emulator runs the steps in order, so the steps before this one are finished.
        expected = DEFAULT_STEPS.index(record["step"]) + int(record["status"] == "provisioned")
        assert record["done_steps"] == expected, record


def test_demo_terminal_shows_live_rows() -> None:
    """Under a terminal the demo redraws live rows with escape codes and still exits 0."""
    status, output = run_in_terminal(SMALL_DEMO)

    assert status == 0, output.decode(errors="replace")
    assert b"\x1b[" in output
    # rich redraws a live display by moving the cursor up and erasing lines.
    assert b"\x1b[2K" in output
    assert b"demo-cluster-3" in output
    assert b"Summary" in output


def test_demo_rejects_more_failures_than_clusters() -> None:
    """--fail above --clusters is a usage error with exit status 2."""
    result = run_pwasync(["demo", "--clusters", "2", "--fail", "3"], env=clean_env())

    assert result.returncode == 2
    assert result.stderr.startswith("error: invalid --fail 3")


def test_demo_closed_stdout_exits_quietly() -> None:
    """When the reader of stdout goes away, the demo stops without a traceback."""
    process = subprocess.Popen(
        [*PWASYNC, *SMALL_DEMO, "--json"],
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stderr is not None

    first = process.stdout.readline()
    process.stdout.close()
    status = process.wait(timeout=COMMAND_TIMEOUT)
    stderr = process.stderr.read()
    process.stderr.close()

    assert json.loads(first)["event"] == "started"
    assert status == 1
    assert stderr == b""


def test_demo_interrupt_closes_everything() -> None:
    """Ctrl-C while clusters provision exits 130, closing the emulator without a warning."""
    command = [sys.executable, "-W", "error::ResourceWarning", *PWASYNC[1:]]
    process = subprocess.Popen(
        [*command, "demo", "--json", "--step-seconds", "0.5"],
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None

    first = process.stdout.readline()
    second = process.stdout.readline()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=COMMAND_TIMEOUT)

    assert json.loads(first)["event"] == "started"
    assert json.loads(second)["event"] == "step_changed"
    assert process.returncode == 130
    assert stderr == "interrupted\n"
