"""Checks shared by the emulator tests: what a correct event list of one run looks like."""

from __future__ import annotations

from collections.abc import Sequence

from pwasync.models import ProvisionSnapshot
from pwasync.models.events import ProvisionEvent, ProvisionEventKind


def check_events_match(events: Sequence[ProvisionEvent], final: ProvisionSnapshot) -> None:
    """Assert that ``events`` rebuild ``final`` exactly, with nothing repeated or missing.

    Each step is added once, and its ``logs_appended`` texts join into its
    final logs. Each ``status_changed`` moves from the status last reported
    to a different one, ending at the final status. ``finished`` comes once,
    last.
    """
    logs: dict[str, str] = {}
    statuses: dict[str, str] = {}
    for position, event in enumerate(events):
        assert event.infra_id == final.infra_id
        if event.kind is ProvisionEventKind.FINISHED:
            assert position == len(events) - 1, "finished is not the last event"
            continue
        assert event.step is not None
        step_id = event.step.id
        if event.kind is ProvisionEventKind.STEP_ADDED:
            assert step_id not in logs, f"step {step_id} added twice"
            logs[step_id] = ""
            statuses[step_id] = event.step.status.value
        elif event.kind is ProvisionEventKind.LOGS_APPENDED:
            assert event.new_logs, "logs_appended without new text"
            logs[step_id] += event.new_logs
        else:
            assert event.previous is not None
            assert event.previous.status.value == statuses[step_id]
            assert event.step.status.value != statuses[step_id]
            statuses[step_id] = event.step.status.value

    assert events[-1].kind is ProvisionEventKind.FINISHED
    assert logs == {step.id: step.logs for step in final.steps}
    assert statuses == {step.id: step.status.value for step in final.steps}
