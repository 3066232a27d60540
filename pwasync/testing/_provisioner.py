"""The provisioning simulator: one background task per run, writing like an agent.

A run registers all of its steps as ``pending`` in its first update, because a
provisioning plan is known before any resource is created. That is also why the
``pending`` status exists. It then works through the steps in order. Each step
takes ``step_seconds`` and sends four updates at even intervals: ``provisioning``
with a first log line, two more log lines, then ``provisioned`` (or ``failed``
with an error text) with a last log line. A failed step ends the run, and the
steps after it stay ``pending``. A step named ``launch_compute`` also adds two
child nodes, so that runs exercise child actions.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Sequence
from typing import Any

from pwasync.testing._provisioning import ClusterSession, apply_wire_update, step_label

__all__ = ["DEFAULT_STEPS", "Provisioner", "validate_run"]

logger = logging.getLogger("pwasync.testing")

DEFAULT_STEPS: tuple[str, ...] = (
    "validate_configuration",
    "create_network",
    "create_storage",
    "launch_controller",
    "launch_compute",
    "configure_scheduler",
)
UPDATES_PER_STEP = 4
CHILD_STEP = "launch_compute"
CHILDREN = ("compute-0", "compute-1")


def validate_run(steps: Sequence[str], fail_at: str | None, step_seconds: float) -> list[str]:
    """Check a run's options and return its steps as a list; raise ``ValueError`` if wrong."""
    if isinstance(steps, str):
        raise ValueError(f"steps must be a list of step names, got the string {steps!r}")
    names = list(steps)
    if not names:
        raise ValueError("steps must name at least one step")
    for name in names:
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"every step name must be a non-empty string, got {name!r}")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"step names must be unique; repeated: {', '.join(duplicates)}")
    if fail_at is not None and fail_at not in names:
        raise ValueError(f"fail_at {fail_at!r} is not one of the steps {names}")
    if not step_seconds > 0:
        raise ValueError(f"step_seconds must be a positive number, got {step_seconds!r}")
    return names


def _encode(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _update(
    step: str, status: str, logs: str = "", error: str = "", **child: str
) -> dict[str, Any]:
    body: dict[str, Any] = {"id": step, "status": status}
    if logs:
        body["logs"] = _encode(logs)
    if error:
        body["errorMessage"] = _encode(error)
    body.update(child)
    return {"provisionStatus": body}


def _step_updates(step: str, failing: bool) -> list[list[dict[str, Any]]]:
    """Return the updates of one step, grouped by the tick at which they are sent."""
    label = step_label(step)
    error = f"{label} failed: simulated failure (exit status 1)" if failing else ""
    final_status = "failed" if failing else "provisioned"
    ticks: list[list[dict[str, Any]]] = [
        [_update(step, "provisioning", f"[{label}] started\n")],
        [_update(step, "provisioning", f"[{label}] applying changes (1/2)\n")],
        [_update(step, "provisioning", f"[{label}] applying changes (2/2)\n")],
        [],
    ]
    if step == CHILD_STEP:
        first, second = CHILDREN
        ticks[1].append(_update(step, "provisioning", childAction="add", childId=first))
        ticks[2].append(_update(step, "provisioned", childAction="update", childId=first))
        ticks[2].append(_update(step, "provisioning", childAction="add", childId=second))
        ticks[3].append(
            _update(step, final_status, error=error, childAction="update", childId=second)
        )
    last_line = f"[{label}] {'failed' if failing else 'done'}\n"
    ticks[3].append(_update(step, final_status, last_line, error))
    return ticks


def plan_updates(steps: Sequence[str], fail_at: str | None) -> list[list[dict[str, Any]]]:
    """Return every update of a run, grouped by tick; the first tick registers all steps."""
    ticks = [[_update(step, "pending") for step in steps]]
    for step in steps:
        ticks.extend(_step_updates(step, failing=step == fail_at))
        if step == fail_at:
            break
    return ticks


class Provisioner:
    """Run provisioning simulations as background tasks that ``aclose()`` cancels."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    @property
    def active_runs(self) -> int:
        return len(self._tasks)

    def start(
        self,
        session: ClusterSession,
        steps: Sequence[str],
        *,
        step_seconds: float,
        fail_at: str | None = None,
    ) -> None:
        """Schedule a run on ``session``; needs a running event loop."""
        if self._closed:
            raise RuntimeError("the emulator is closed; start provisioning while it runs")
        ticks = plan_updates(steps, fail_at)
        interval = step_seconds / UPDATES_PER_STEP
        task = asyncio.get_running_loop().create_task(
            self._run(session, ticks, interval), name=f"provision {session.infra_id}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(
        self, session: ClusterSession, ticks: list[list[dict[str, Any]]], interval: float
    ) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        for number, updates in enumerate(ticks, start=1):
            # Sleep to an absolute deadline so that slow ticks do not add up to drift.
            await asyncio.sleep(max(0.0, started + number * interval - loop.time()))
            for body in updates:
                try:
                    apply_wire_update(session, body)
                except Exception:
                    logger.exception("provisioning run %s stopped on an update", session.infra_id)
                    return

    async def aclose(self) -> None:
        """Cancel every run and wait for the tasks to end; idempotent."""
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
