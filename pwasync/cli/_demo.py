"""``pwasync demo``: the main job of the SDK, end to end against an in-process emulator.

The demo starts an emulator, provisions clusters concurrently and watches
every run in one stream, letting some runs fail on purpose. It then provisions
an AI Chat and waits for it to ingest a bucket, deletes the demo's sessions in
one bulk run, and ends with a summary.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from pwasync import Client, ProvisionEvent, ProvisionEventKind, WatchFailure
from pwasync.cli._demo_view import ClusterRow, DemoSummary, DemoView, JsonView, LineView, LiveView
from pwasync.cli._errors import EXIT_OK, EXIT_USAGE
from pwasync.cli._options import FiniteFloatRange
from pwasync.cli._render import Output
from pwasync.cli._runner import fail, run_command

if TYPE_CHECKING:
    from pwasync.testing import Emulator

__all__ = ["demo"]

FAILING_STEP = "launch_controller"
CHAT_NAME = "demo-chat"
BUCKET_ID = "demo-docs"
# Runs advance at slightly different speeds so that the live rows differ.
_SPEED_SPREAD = 0.25
_SEED = 7


@click.command()
@click.option(
    "--clusters",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    help="Number of clusters to provision concurrently.",
)
@click.option(
    "--fail",
    "failing",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help=f"Number of clusters whose run fails at step {FAILING_STEP!r}.",
)
@click.option(
    "--step-seconds",
    type=FiniteFloatRange(0.01, 60.0),
    default=0.5,
    show_default=True,
    help="Seconds per provisioning step and per AI Chat phase.",
)
@click.option("--json", "json_mode", is_flag=True, help="Print one JSON object per line.")
@click.option("--debug", is_flag=True, help="Show tracebacks and log every request to stderr.")
def demo(*, clusters: int, failing: int, step_seconds: float, json_mode: bool, debug: bool) -> None:
    """Run the SDK's main job against a local emulator, with live progress.

    Provisions clusters concurrently (some fail on purpose), waits for an AI
    Chat to ingest a bucket, cleans up with one bulk run and prints a summary.
    Needs no credentials and no network beyond 127.0.0.1.
    """
    if failing > clusters:
        fail(
            f"invalid --fail {failing}: at most --clusters ({clusters}) runs can fail",
            exit_code=EXIT_USAGE,
        )
    out = Output(json_mode=json_mode)
    view = _choose_view(out)

    async def main() -> int:
        await run_demo(view, clusters=clusters, failing=failing, step_seconds=step_seconds)
        return EXIT_OK

    run_command(
        main,
        resource="the demo",
        base_url="the demo emulator",
        debug=debug,
        on_interrupt=lambda: out.notice("interrupted"),
    )


def _choose_view(out: Output) -> DemoView:
    if out.json_mode:
        return JsonView(out)
    if out.is_terminal:
        return LiveView(out.console)
    return LineView(out)


async def run_demo(
    view: DemoView, *, clusters: int, failing: int, step_seconds: float
) -> DemoSummary:
    """Run every stage of the demo against a fresh emulator and return its summary."""
    # The emulator module needs the testing extra, which the cli extra includes.
    from pwasync.testing import DEFAULT_STEPS, Emulator

    started = time.monotonic()
    async with Emulator(step_seconds=step_seconds, seed=_SEED) as emu:
        view.intro(
            url=emu.url, clusters=clusters, steps=len(DEFAULT_STEPS), step_seconds=step_seconds
        )
        async with Client(api_key=emu.api_key, base_url=emu.url) as pw:
            rows = _start_runs(
                emu, clusters=clusters, failing=failing, total_steps=len(DEFAULT_STEPS)
            )
            await _watch_runs(pw, emu.org, rows, view, step_seconds=step_seconds)
            chat_seconds = await _ingest_chat(pw, emu, view, step_seconds=step_seconds)
            deleted, failed = await _clean_up(pw, emu, view, [row.name for row in rows])
        requests = emu.stats.requests
    summary = DemoSummary(
        clusters=tuple(rows),
        chat_name=CHAT_NAME,
        chat_seconds=chat_seconds,
        cleanup_deleted=deleted,
        cleanup_failed=failed,
        requests=requests,
        elapsed=time.monotonic() - started,
    )
    view.summary(summary)
    return summary


def failing_positions(clusters: int, failing: int) -> set[int]:
    """Return the positions of the runs that fail, spread evenly over the clusters."""
    return {(2 * index + 1) * clusters // (2 * failing) for index in range(failing)}


def _start_runs(
    emu: Emulator, *, clusters: int, failing: int, total_steps: int
) -> list[ClusterRow]:
    speeds = random.Random(_SEED)
    fail_at = failing_positions(clusters, failing)
    rows: list[ClusterRow] = []
    for position in range(clusters):
        name = f"demo-cluster-{position + 1}"
        # Each cluster also has a session, which the bulk cleanup deletes at the end.
        emu.add_session(emu.user, name, type="cluster", status="running")
        infra_id = emu.start_provisioning(
            emu.org,
            emu.user,
            name,
            step_seconds=emu.step_seconds * speeds.uniform(1 - _SPEED_SPREAD, 1 + _SPEED_SPREAD),
            fail_at=FAILING_STEP if position in fail_at else None,
        )
        rows.append(ClusterRow(name=name, infra_id=infra_id, total_steps=total_steps))
    return rows


async def _watch_runs(
    pw: Client, org: str, rows: Sequence[ClusterRow], view: DemoView, *, step_seconds: float
) -> None:
    by_infra_id = {row.infra_id: row for row in rows}
    started = time.monotonic()
    interval = max(0.01, step_seconds / 4)
    with view.provisioning(rows):
        async with pw.provision_status.watch_many(
            org, list(by_infra_id), interval=interval, max_interval=step_seconds
        ) as events:
            async for event in events:
                row = by_infra_id[event.infra_id]
                _apply_event(row, event, view, elapsed=time.monotonic() - started)


def _apply_event(
    row: ClusterRow, event: ProvisionEvent | WatchFailure, view: DemoView, *, elapsed: float
) -> None:
    if isinstance(event, WatchFailure):
        # This run's watch ended with an error inside watch_many; the other runs go on.
        row.outcome = "failed"
        row.error = f"watch failed: {event.error}"
        row.elapsed = elapsed
        view.cluster_finished(row)
        return
    snapshot = event.snapshot
    if event.kind is ProvisionEventKind.FINISHED:
        row.done_steps = sum(1 for step in snapshot.steps if step.status.finished)
        row.outcome = snapshot.outcome.value
        row.elapsed = elapsed
        failed = snapshot.failed_steps
        if failed:
            row.failed_step = failed[0].name
            row.error = failed[0].error.strip() or "no error text"
        view.cluster_finished(row)
        return
    if event.step is None or event.kind is ProvisionEventKind.LOGS_APPENDED:
        return
    # One poll can bring several changes, and every event carries that poll's
    # snapshot, so the count follows the status events instead of the snapshot.
    was_finished = event.previous is not None and event.previous.status.finished
    row.done_steps += int(event.step.status.finished) - int(was_finished)
    if event.kind is ProvisionEventKind.STATUS_CHANGED:
        row.current_step = event.step.name
        view.step_changed(row, event.step)


async def _ingest_chat(pw: Client, emu: Emulator, view: DemoView, *, step_seconds: float) -> float:
    started = time.monotonic()
    # Each wait covers two emulator phases; the margin is for a busy machine.
    timeout = 20 * step_seconds + 10
    interval = max(0.01, step_seconds / 4)
    with view.waiting(f"Provisioning AI Chat {CHAT_NAME!r}..."):
        await pw.ai_chats.create(emu.org, emu.user, name=CHAT_NAME, csp="aws")
        await pw.ai_chats.wait_until_ingested(
            emu.org, emu.user, CHAT_NAME, timeout=timeout, interval=interval
        )
    with view.waiting(f"Attaching bucket {BUCKET_ID!r} and waiting for ingestion..."):
        await pw.ai_chats.attach_bucket(emu.org, emu.user, CHAT_NAME, BUCKET_ID)
        await pw.ai_chats.wait_until_ingested(
            emu.org, emu.user, CHAT_NAME, timeout=timeout, interval=interval
        )
    seconds = time.monotonic() - started
    view.note(f"AI Chat {CHAT_NAME!r} ingested bucket {BUCKET_ID!r} in {seconds:.1f} s")
    return seconds


async def _clean_up(
    pw: Client, emu: Emulator, view: DemoView, names: Sequence[str]
) -> tuple[int, int]:
    namespace = emu.user

    async def delete(name: str) -> None:
        await pw.sessions.delete(namespace, name)

    with view.waiting(f"Deleting {len(names)} demo sessions with run_many..."):
        report = await pw.run_many(delete, names, concurrency=4)
    view.cleanup(report, [f"session {namespace}/{name}" for name in names])
    return len(report.succeeded), len(report.failed)
