"""Views of the progress of ``pwasync demo``: live rows on a terminal, lines otherwise.

``LiveView`` redraws one row per cluster and a spinner with rich. ``LineView``
prints one plain line per change, and ``JsonView`` one JSON object per change;
neither writes an escape code, so both are safe to pipe.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import attrs
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from pwasync.cli._render import Output

if TYPE_CHECKING:
    from pwasync import BulkReport
    from pwasync.models import ProvisionStep

__all__ = ["ClusterRow", "DemoSummary", "DemoView", "JsonView", "LineView", "LiveView"]


@attrs.define
class ClusterRow:
    """The state of one cluster's provisioning run, as the demo displays it."""

    name: str
    infra_id: str
    total_steps: int
    done_steps: int = 0
    current_step: str = ""
    outcome: str = "in_progress"
    failed_step: str | None = None
    error: str | None = None
    elapsed: float = 0.0


@attrs.frozen(kw_only=True)
class DemoSummary:
    """The figures that end the demo."""

    clusters: tuple[ClusterRow, ...]
    chat_name: str
    chat_seconds: float
    cleanup_deleted: int
    cleanup_failed: int
    requests: int | None
    elapsed: float

    @property
    def succeeded(self) -> list[ClusterRow]:
        """Clusters whose run succeeded."""
        return [row for row in self.clusters if row.outcome == "succeeded"]

    @property
    def failed(self) -> list[ClusterRow]:
        """Clusters whose run failed."""
        return [row for row in self.clusters if row.outcome == "failed"]


def summary_rows(summary: DemoSummary) -> list[tuple[str, str]]:
    """Return the summary as (label, value) pairs, shared by every view."""
    failures = "; ".join(
        f"{row.name} at {row.failed_step!r}: {row.error}" for row in summary.failed
    )
    rows = [
        ("clusters provisioned", f"{len(summary.succeeded)} of {len(summary.clusters)}"),
        ("clusters failed", f"{len(summary.failed)}" + (f" ({failures})" if failures else "")),
        ("AI Chat", f"{summary.chat_name} ingested in {summary.chat_seconds:.1f} s"),
        (
            "cleanup (run_many)",
            f"{summary.cleanup_deleted} sessions deleted, {summary.cleanup_failed} failed",
        ),
    ]
    if summary.requests is not None:
        rows.append(("API requests", str(summary.requests)))
    rows.append(("elapsed", f"{summary.elapsed:.1f} s"))
    return rows


class DemoView:
    """A view with one method per stage of the demo, which each subclass renders its own way."""

    def intro(self, *, url: str, clusters: int, steps: int, step_seconds: float) -> None:
        """Announce the emulator and the plan."""

    @contextlib.contextmanager
    def provisioning(self, rows: Sequence[ClusterRow]) -> Iterator[None]:
        """Show the cluster rows while the runs are watched."""
        yield

    def step_changed(self, row: ClusterRow, step: ProvisionStep) -> None:
        """Show that a step of ``row`` changed status."""

    def cluster_finished(self, row: ClusterRow) -> None:
        """Show that ``row``'s run ended."""

    @contextlib.contextmanager
    def waiting(self, text: str) -> Iterator[None]:
        """Show that the demo waits on something, with a spinner on a terminal."""
        yield

    def note(self, text: str) -> None:
        """Show one line of narration."""

    def cleanup(self, report: BulkReport[Any, Any], labels: Sequence[str]) -> None:
        """Show the per-item outcomes of the bulk cleanup."""

    def summary(self, summary: DemoSummary) -> None:
        """Show the closing summary."""


class LineView(DemoView):
    """Plain lines, one per change, without escape codes."""

    def __init__(self, out: Output) -> None:
        self._out = out

    def intro(self, *, url: str, clusters: int, steps: int, step_seconds: float) -> None:
        self._out.line(f"emulator listening on {url}")
        self._out.line(
            f"provisioning {clusters} clusters, {steps} steps each, {step_seconds:g} s per step"
        )

    def step_changed(self, row: ClusterRow, step: ProvisionStep) -> None:
        self._out.line(
            f"{row.name}: {step.name} {step.status.value} "
            f"({row.done_steps}/{row.total_steps} steps done)"
        )

    def cluster_finished(self, row: ClusterRow) -> None:
        self._out.line(_finished_sentence(row))

    @contextlib.contextmanager
    def waiting(self, text: str) -> Iterator[None]:
        self._out.line(text)
        yield

    def note(self, text: str) -> None:
        self._out.line(text)

    def cleanup(self, report: BulkReport[Any, Any], labels: Sequence[str]) -> None:
        for outcome, label in zip(report.outcomes, labels, strict=True):
            self._out.line(f"cleanup {label}: {_outcome_text(outcome)}")

    def summary(self, summary: DemoSummary) -> None:
        self._out.line("summary:")
        for label, value in summary_rows(summary):
            self._out.line(f"  {label}: {value}")


class JsonView(DemoView):
    """One JSON object per change, for programs that read the demo's output."""

    def __init__(self, out: Output) -> None:
        self._out = out

    def intro(self, *, url: str, clusters: int, steps: int, step_seconds: float) -> None:
        self._out.record(
            {
                "event": "started",
                "url": url,
                "clusters": clusters,
                "steps": steps,
                "step_seconds": step_seconds,
            }
        )

    def step_changed(self, row: ClusterRow, step: ProvisionStep) -> None:
        self._out.record(
            {
                "event": "step_changed",
                "cluster": row.name,
                "infra_id": row.infra_id,
                "step": step.name,
                "status": step.status.value,
                "done_steps": row.done_steps,
                "total_steps": row.total_steps,
            }
        )

    def cluster_finished(self, row: ClusterRow) -> None:
        self._out.record({"event": "cluster_finished", **attrs.asdict(row)})

    @contextlib.contextmanager
    def waiting(self, text: str) -> Iterator[None]:
        self._out.record({"event": "waiting", "text": text})
        yield

    def note(self, text: str) -> None:
        self._out.record({"event": "note", "text": text})

    def cleanup(self, report: BulkReport[Any, Any], labels: Sequence[str]) -> None:
        for outcome, label in zip(report.outcomes, labels, strict=True):
            self._out.record(
                {
                    "event": "cleanup",
                    "item": label,
                    "ok": outcome.ok,
                    "detail": _outcome_text(outcome),
                }
            )

    def summary(self, summary: DemoSummary) -> None:
        self._out.record(
            {
                "event": "summary",
                "clusters": [attrs.asdict(row) for row in summary.clusters],
                "succeeded": len(summary.succeeded),
                "failed": len(summary.failed),
                "chat": summary.chat_name,
                "chat_seconds": summary.chat_seconds,
                "cleanup_deleted": summary.cleanup_deleted,
                "cleanup_failed": summary.cleanup_failed,
                "requests": summary.requests,
                "elapsed": summary.elapsed,
            }
        )


class LiveView(DemoView):
    """Live rows redrawn in place on a terminal, with rich."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._progress: Progress | None = None
        self._tasks: dict[str, TaskID] = {}

    def intro(self, *, url: str, clusters: int, steps: int, step_seconds: float) -> None:
        self._console.rule("pwasync demo")
        self._console.print(Text(f"Emulator listening on {url}", style="dim"))
        self._console.print(
            f"Provisioning [bold]{clusters}[/] clusters concurrently "
            f"({steps} steps each, {step_seconds:g} s per step)"
        )

    @contextlib.contextmanager
    def provisioning(self, rows: Sequence[ClusterRow]) -> Iterator[None]:
        # Columns sized to fit 80 terminal columns with the longest default step name.
        progress = Progress(
            SpinnerColumn(finished_text=" "),
            TextColumn("{task.description}", style="bold"),
            BarColumn(bar_width=12),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[step]}", style="cyan"),
            TextColumn("{task.fields[state]}"),
            console=self._console,
        )
        self._progress = progress
        with progress:
            for row in rows:
                self._tasks[row.name] = progress.add_task(
                    row.name, total=row.total_steps, step="", state="waiting"
                )
            yield
        self._progress = None

    def step_changed(self, row: ClusterRow, step: ProvisionStep) -> None:
        if self._progress is None:
            return
        self._progress.update(
            self._tasks[row.name],
            completed=row.done_steps,
            step=escape(step.name),
            state=escape(step.status.value),
        )

    def cluster_finished(self, row: ClusterRow) -> None:
        if self._progress is None:
            return
        task = self._tasks[row.name]
        if row.outcome == "succeeded":
            step, state = "", "[green]succeeded[/]"
        else:
            step, state = escape(row.failed_step or ""), "[bold red]failed[/]"
            self._progress.console.print(Text(_finished_sentence(row), style="red"))
        self._progress.update(task, completed=row.done_steps, step=step, state=state)
        self._progress.stop_task(task)

    @contextlib.contextmanager
    def waiting(self, text: str) -> Iterator[None]:
        with self._console.status(text):
            yield

    def note(self, text: str) -> None:
        self._console.print(Text(text))

    def cleanup(self, report: BulkReport[Any, Any], labels: Sequence[str]) -> None:
        table = Table(title="Bulk cleanup with run_many", title_justify="left")
        table.add_column("item")
        table.add_column("outcome")
        for outcome, label in zip(report.outcomes, labels, strict=True):
            style = "green" if outcome.ok else "red"
            table.add_row(Text(label), Text(_outcome_text(outcome), style=style))
        self._console.print(table)

    def summary(self, summary: DemoSummary) -> None:
        table = Table(title="Summary", title_justify="left", show_header=False)
        table.add_column("what", style="bold")
        table.add_column("result")
        for label, value in summary_rows(summary):
            table.add_row(Text(label), Text(value))
        self._console.print(table)


def _finished_sentence(row: ClusterRow) -> str:
    if row.outcome == "succeeded":
        steps = f"{row.done_steps}/{row.total_steps} steps"
        return f"{row.name}: succeeded, {steps} in {row.elapsed:.1f} s"
    if row.failed_step is None:
        return f"{row.name}: failed: {row.error}"
    return f"{row.name}: failed at step {row.failed_step!r}: {row.error}"


def _outcome_text(outcome: Any) -> str:
    if outcome.ok:
        return "deleted"
    if outcome.cancelled:
        return "cancelled"
    return f"failed: {outcome.error}"
