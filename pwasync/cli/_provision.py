"""``pwasync provision get|watch|wait``: one provisioning run of a cluster session."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Any

import attrs
import click

from pwasync import (
    InvalidCursorError,
    ProvisionEventKind,
    ProvisioningFailed,
    ProvisionOutcome,
)
from pwasync.cli._errors import EXIT_FAILED, EXIT_OK
from pwasync.cli._options import (
    NAME,
    SECONDS,
    CommonOptions,
    common_options,
    connect,
    interval_options,
)
from pwasync.cli._render import Output
from pwasync.cli._runner import run_command

if TYPE_CHECKING:
    from pwasync import ProvisionEvent, ProvisionSnapshot, ProvisionStep

__all__ = ["provision"]


@click.group()
def provision() -> None:
    """Inspect, watch or wait for the provisioning run of a cluster session."""


@provision.command("get")
@click.argument("org", type=NAME)
@click.argument("infra_id", type=NAME)
@common_options
def get_command(org: str, infra_id: str, *, options: CommonOptions) -> None:
    """Print the steps and outcome of provisioning run INFRA_ID in organization ORG."""
    out = options.output()

    async def main() -> int:
        async with connect(options) as pw:
            snapshot = await pw.provision_status.get(org, infra_id)
        _print_snapshot(out, snapshot)
        return EXIT_OK

    run_command(
        main, resource=_run_name(org, infra_id), base_url=options.target(), debug=options.debug
    )


@attrs.define
class _WatchState:
    cursor: str | None = None


@provision.command("watch")
@click.argument("org", type=NAME)
@click.argument("infra_id", type=NAME)
@click.option("--cursor", help="Resume after the event that printed this cursor.")
@click.option("--timeout", type=SECONDS, help="Stop after this many seconds (exit status 2).")
@interval_options
@common_options
def watch_command(
    org: str,
    infra_id: str,
    *,
    cursor: str | None,
    interval: float,
    max_interval: float,
    timeout: float | None,
    options: CommonOptions,
) -> None:
    """Stream the changes of provisioning run INFRA_ID until it succeeds or fails.

    Prints one line per step added, status change and log growth (one JSON
    object per line with --json, each with a cursor). Exits 0 when the run
    succeeds, 1 when it fails, 2 on --timeout and 130 on Ctrl-C; on timeout
    and Ctrl-C the last cursor goes to stderr so that --cursor can resume.
    """
    out = options.output()
    state = _WatchState(cursor=cursor)

    async def main() -> int:
        async with connect(options) as pw:
            watch = pw.provision_status.watch(
                org,
                infra_id,
                interval=interval,
                max_interval=max_interval,
                timeout=timeout,
                cursor=cursor,
            )
            async with watch as events:
                async for event in events:
                    _print_event(out, event)
                    state.cursor = event.cursor
                    if event.kind is ProvisionEventKind.FINISHED:
                        return (
                            EXIT_OK if event.outcome is ProvisionOutcome.SUCCEEDED else EXIT_FAILED
                        )
        return EXIT_OK

    def print_resume_hint(reason: str) -> None:
        if state.cursor is not None:
            command = ["pwasync", "provision", "watch", org, infra_id, "--cursor", state.cursor]
            out.notice(f"{reason}; resume with: {shlex.join(command)}")

    run_command(
        main,
        resource=_run_name(org, infra_id),
        base_url=options.target(),
        debug=options.debug,
        on_interrupt=lambda: print_resume_hint("interrupted"),
        on_error=lambda error: (
            None if isinstance(error, InvalidCursorError) else print_resume_hint("stopped")
        ),
    )


@provision.command("wait")
@click.argument("org", type=NAME)
@click.argument("infra_id", type=NAME)
@click.option("--timeout", type=SECONDS, help="Give up after this many seconds (exit status 2).")
@interval_options
@common_options
def wait_command(
    org: str,
    infra_id: str,
    *,
    timeout: float | None,
    interval: float,
    max_interval: float,
    options: CommonOptions,
) -> None:
    """Wait until provisioning run INFRA_ID ends.

    Exits 0 when every step succeeded, 1 when a step failed (naming the step
    and its error), and 2 when --timeout passes first.
    """
    out = options.output()

    async def main() -> int:
        async with connect(options) as pw:
            try:
                snapshot = await pw.provision_status.wait(
                    org,
                    infra_id,
                    timeout=timeout,
                    interval=interval,
                    max_interval=max_interval,
                )
            except ProvisioningFailed as failed:
                _print_outcome(out, failed.snapshot)
                return EXIT_FAILED
        _print_outcome(out, snapshot)
        return EXIT_OK

    run_command(
        main, resource=_run_name(org, infra_id), base_url=options.target(), debug=options.debug
    )


def _run_name(org: str, infra_id: str) -> str:
    return f"provisioning run {infra_id!r} in organization {org!r}"


def _snapshot_record(snapshot: ProvisionSnapshot) -> dict[str, Any]:
    return {
        "infra_id": snapshot.infra_id,
        "outcome": snapshot.outcome,
        "progress": snapshot.progress,
        "failed_steps": [step.name for step in snapshot.failed_steps],
        "steps": snapshot.steps,
    }


def _print_snapshot(out: Output, snapshot: ProvisionSnapshot) -> None:
    if out.json_mode:
        out.record(_snapshot_record(snapshot))
        return
    rows = [
        (step.index, step.name, step.label, step.status.value, step.error.strip())
        for step in snapshot.steps
    ]
    out.table(
        ["#", "step", "label", "status", "error"],
        rows,
        title=f"provisioning run {snapshot.infra_id}",
    )
    out.line(_outcome_sentence(snapshot))


def _print_outcome(out: Output, snapshot: ProvisionSnapshot) -> None:
    if out.json_mode:
        out.record(_snapshot_record(snapshot))
        return
    out.line(_outcome_sentence(snapshot))
    for step in snapshot.failed_steps:
        out.notice(f"step {step.name!r} failed: {_error_text(step)}")


def _outcome_sentence(snapshot: ProvisionSnapshot) -> str:
    done = sum(1 for step in snapshot.steps if step.status.finished)
    total = len(snapshot.steps)
    outcome = snapshot.outcome.value
    return f"provisioning run {snapshot.infra_id} {outcome}: {done} of {total} steps finished"


def _error_text(step: ProvisionStep) -> str:
    return step.error.strip() or "no error text"


def _print_event(out: Output, event: ProvisionEvent) -> None:
    if out.json_mode:
        out.record(
            {
                "kind": event.kind,
                "infra_id": event.infra_id,
                "step": event.step,
                "previous_status": None if event.previous is None else event.previous.status,
                "new_logs": event.new_logs,
                "outcome": event.snapshot.outcome,
                "progress": event.snapshot.progress,
                "cursor": event.cursor,
            }
        )
        return
    for line in event_lines(event):
        out.line(line)


def event_lines(event: ProvisionEvent) -> list[str]:
    """Describe one watch event in plain text lines."""
    step = event.step
    if event.kind is ProvisionEventKind.FINISHED or step is None:
        return [_outcome_sentence(event.snapshot)]
    if event.kind is ProvisionEventKind.STEP_ADDED:
        return [f"step {step.index} {step.name!r} added: {step.status.value}"]
    if event.kind is ProvisionEventKind.STATUS_CHANGED:
        previous = "unknown" if event.previous is None else event.previous.status.value
        text = f"step {step.index} {step.name!r}: {previous} -> {step.status.value}"
        if step.error.strip():
            text += f" ({step.error.strip()})"
        return [text]
    return [f"step {step.index} {step.name!r} | {line}" for line in event.new_logs.splitlines()]
