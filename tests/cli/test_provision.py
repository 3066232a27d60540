"""``pwasync provision get|watch|wait`` against an emulator subprocess."""

from __future__ import annotations

import json
import shlex
import signal
from typing import Any

from ._support import RunningEmulator, Update, run_pwasync, send_updates, streaming

FAST = ["--interval", "0.05", "--max-interval", "0.1"]


def provision(emulator: RunningEmulator, verb: str, cluster: str, *extra: str) -> list[str]:
    """Return the arguments of ``pwasync provision VERB`` for ``cluster``'s run."""
    return [
        "provision",
        verb,
        emulator.org,
        emulator.infra_ids[cluster],
        "--base-url",
        emulator.url,
        *extra,
    ]


def parse_lines(stdout: str) -> list[dict[str, Any]]:
    """Parse every line of ``stdout`` as one JSON object."""
    return [json.loads(line) for line in stdout.splitlines()]


def summarize(events: list[dict[str, Any]]) -> list[tuple[str, str | None, str | None]]:
    """Reduce events to (kind, step id, step status) for comparison."""
    return [
        (
            event["kind"],
            event["step"]["id"] if event["step"] else None,
            event["step"]["status"] if event["step"] else None,
        )
        for event in events
    ]


def test_wait_exits_zero_on_success(emulator: RunningEmulator) -> None:
    """`provision wait` exits 0 and reports success once every step is provisioned."""
    send_updates(
        emulator,
        "succeeds",
        [Update("network", "provisioned", logs="up\n"), Update("compute", "provisioned")],
    )

    result = run_pwasync(
        provision(emulator, "wait", "succeeds", "--timeout", "10", "--interval", "0.05"),
        env=emulator.env(),
    )

    assert result.returncode == 0, result.stderr
    assert "succeeded: 2 of 2 steps finished" in result.stdout


def test_wait_exits_one_on_failed_run(emulator: RunningEmulator) -> None:
    """`provision wait` exits 1 and names the failed step and its error text."""
    send_updates(
        emulator,
        "fails",
        [
            Update("network", "provisioned"),
            Update("compute", "failed", error="quota exceeded for instance type c5.large"),
        ],
    )

    result = run_pwasync(
        provision(emulator, "wait", "fails", "--timeout", "10", "--interval", "0.05"),
        env=emulator.env(),
    )

    assert result.returncode == 1, result.stderr
    assert "failed" in result.stdout
    assert "'compute' failed: quota exceeded for instance type c5.large" in result.stderr


def test_wait_exits_two_on_timeout(emulator: RunningEmulator) -> None:
    """`provision wait` exits 2 with a one-line timeout error while the run is still going."""
    send_updates(emulator, "stalls", [Update("network", "provisioning")])

    result = run_pwasync(
        provision(emulator, "wait", "stalls", "--timeout", "0.3", "--interval", "0.05"),
        env=emulator.env(),
    )

    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: timed out waiting for provisioning run")
    assert "rerun with a longer --timeout" in result.stderr
    assert "None" not in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_wait_json_reports_outcome(emulator: RunningEmulator) -> None:
    """`provision wait --json` prints one JSON object with the outcome and the steps."""
    send_updates(
        emulator,
        "fails-json",
        [Update("network", "provisioned"), Update("compute", "failed", error="no capacity")],
    )

    result = run_pwasync(
        provision(emulator, "wait", "fails-json", "--timeout", "10", "--json", *FAST),
        env=emulator.env(),
    )

    [record] = parse_lines(result.stdout)
    assert result.returncode == 1, result.stderr
    assert record["outcome"] == "failed"
    assert record["failed_steps"] == ["compute"]
    assert [step["id"] for step in record["steps"]] == ["network", "compute"]


def test_get_prints_steps_as_json(emulator: RunningEmulator) -> None:
    """`provision get --json` prints the run's steps with their decoded logs and error text."""
    send_updates(
        emulator,
        "inspected",
        [Update("network", "failed", logs="subnet 10.0.0.0/24\n", error="address in use")],
    )

    result = run_pwasync(provision(emulator, "get", "inspected", "--json"), env=emulator.env())

    [record] = parse_lines(result.stdout)
    assert result.returncode == 0, result.stderr
    assert record["infra_id"] == emulator.infra_ids["inspected"]
    assert record["outcome"] == "failed"
    assert record["steps"][0]["logs"] == "subnet 10.0.0.0/24\n"
    assert record["steps"][0]["error"] == "address in use"


def test_watch_json_streams_parseable_events(emulator: RunningEmulator) -> None:
    """`provision watch --json` streams one JSON event per change, ending with `finished`."""
    send_updates(emulator, "watched", [Update("network", "pending")])
    arguments = provision(emulator, "watch", "watched", "--json", *FAST)

    with streaming(arguments, env=emulator.env()) as watch:
        lines = [watch.next_line()]
        send_updates(emulator, "watched", [Update("network", "provisioning", logs="vpc\n")])
        lines += [watch.next_line(), watch.next_line()]
        send_updates(emulator, "watched", [Update("network", "provisioned", logs="ready\n")])
        status, rest, stderr = watch.finish()

    events = parse_lines("".join(lines) + rest)
    assert status == 0, stderr
    assert summarize(events) == [
        ("step_added", "network", "pending"),
        ("logs_appended", "network", "provisioning"),
        ("status_changed", "network", "provisioning"),
        ("logs_appended", "network", "provisioned"),
        ("status_changed", "network", "provisioned"),
        ("finished", None, None),
    ]
    assert events[1]["new_logs"] == "vpc\n"
    assert events[3]["new_logs"] == "ready\n"
    assert events[4]["previous_status"] == "provisioning"
    assert events[-1]["outcome"] == "succeeded"
    assert all(event["infra_id"] == emulator.infra_ids["watched"] for event in events)
    assert len({event["cursor"] for event in events}) == len(events)


def test_watch_text_describes_each_change(emulator: RunningEmulator) -> None:
    """`provision watch` without --json prints readable lines and no escape codes."""
    send_updates(
        emulator,
        "narrated",
        [Update("network", "provisioned", logs="creating vpc\n")],
    )

    result = run_pwasync(provision(emulator, "watch", "narrated", *FAST), env=emulator.env())

    assert result.returncode == 0, result.stderr
    assert "step 0 'network' added: provisioned" in result.stdout
    assert "step 0 'network' | creating vpc" in result.stdout
    assert "succeeded: 1 of 1 steps finished" in result.stdout
    assert "\x1b" not in result.stdout


def test_watch_resumes_from_cursor(emulator: RunningEmulator) -> None:
    """A watch resumed with --cursor delivers only the events after that cursor."""
    send_updates(
        emulator,
        "resumed",
        [Update("network", "provisioned"), Update("compute", "provisioning", logs="boot\n")],
    )
    watch = provision(emulator, "watch", "resumed", "--json", *FAST)
    first = run_pwasync([*watch, "--timeout", "0.5"], env=emulator.env())
    first_events = parse_lines(first.stdout)
    send_updates(emulator, "resumed", [Update("compute", "provisioned", logs="ready\n")])

    resumed = run_pwasync([*watch, "--cursor", first_events[-1]["cursor"]], env=emulator.env())

    resumed_events = parse_lines(resumed.stdout)
    assert first.returncode == 2
    assert "--cursor" in first.stderr
    assert summarize(first_events) == [
        ("step_added", "network", "provisioned"),
        ("step_added", "compute", "provisioning"),
        ("logs_appended", "compute", "provisioning"),
    ]
    assert resumed.returncode == 0, resumed.stderr
    assert summarize(resumed_events) == [
        ("logs_appended", "compute", "provisioned"),
        ("status_changed", "compute", "provisioned"),
        ("finished", None, None),
    ]
    assert resumed_events[0]["new_logs"] == "ready\n"


def test_watch_rejects_malformed_cursor(emulator: RunningEmulator) -> None:
    """A malformed --cursor gives a one-line error and exit status 2."""
    result = run_pwasync(
        provision(emulator, "watch", "resumed", "--cursor", "not-a-cursor", *FAST),
        env=emulator.env(),
    )

    assert result.returncode == 2
    assert result.stderr.startswith("error: invalid --cursor")
    assert "leave out --cursor" in result.stderr
    assert "None" not in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_watch_interrupt_prints_cursor(emulator: RunningEmulator) -> None:
    """Ctrl-C during a watch exits 130 and prints the cursor of the last event to stderr."""
    send_updates(emulator, "interrupted", [Update("network", "provisioning", logs="start\n")])
    arguments = provision(emulator, "watch", "interrupted", "--json", *FAST)

    with streaming(arguments, env=emulator.env()) as watch:
        seen = [json.loads(watch.next_line()) for _ in range(2)]
        watch.process.send_signal(signal.SIGINT)
        status, rest, stderr = watch.finish()

    hint = stderr.strip().splitlines()[-1]
    command = shlex.split(hint.split("interrupted; resume with: ", 1)[1])
    assert status == 130, stderr
    assert rest == ""
    assert command[command.index("--cursor") + 1] == seen[-1]["cursor"]
    assert "Traceback" not in stderr
