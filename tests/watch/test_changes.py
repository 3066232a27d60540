"""Change detection: the events each poll implies, and resuming from a cursor."""

from __future__ import annotations

import json

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pwasync._changes import ChatTracker, ProvisionTracker
from pwasync._cursor import decode_provision_cursor
from pwasync._errors import InvalidCursorError
from pwasync.models import AIChat, ProvisionSnapshot, StepStatus
from pwasync.models.events import AIChatEventKind, ProvisionEvent, ProvisionEventKind

from ._snapshots import snapshot, step

ADDED = ProvisionEventKind.STEP_ADDED
LOGS = ProvisionEventKind.LOGS_APPENDED
STATUS = ProvisionEventKind.STATUS_CHANGED
FINISHED = ProvisionEventKind.FINISHED


def _summary(events: list[ProvisionEvent]) -> list[tuple[str, str | None, str]]:
    return [
        (event.kind.value, event.step.id if event.step else None, event.new_logs)
        for event in events
    ]


def test_first_poll_orders_events_by_step() -> None:
    """A first poll reports each step as added, then its logs, then nothing for its status."""
    tracker = ProvisionTracker("infra-1")
    polled = snapshot(step("s1", "pending"), step("s0", "provisioning", "boot\n"))

    events = tracker.observe(polled)

    assert _summary(events) == [
        ("step_added", "s0", ""),
        ("logs_appended", "s0", "boot\n"),
        ("step_added", "s1", ""),
    ]
    assert events[0].previous is None
    assert events[1].previous == attrs.evolve(polled.steps[1], logs="")


def test_identical_poll_gives_no_event() -> None:
    """Polling the same state twice reports nothing the second time."""
    tracker = ProvisionTracker("infra-1")
    polled = snapshot(step("s0", "provisioning", "a"))
    tracker.observe(polled)

    events = tracker.observe(polled)

    assert events == []


def test_logs_come_before_status_change() -> None:
    """When logs grow and the status changes in one poll, logs are reported first."""
    tracker = ProvisionTracker("infra-1")
    tracker.observe(snapshot(step("s0", "provisioning", "a\n")))
    polled = snapshot(step("s0", "failed", "a\nb\n"))

    events = tracker.observe(polled)

    assert _summary(events) == [
        ("logs_appended", "s0", "b\n"),
        ("status_changed", "s0", ""),
        ("finished", None, ""),
    ]
    assert events[0].previous is not None
    assert events[0].previous.status is StepStatus.PROVISIONING
    assert events[0].previous.logs == "a\n"
    assert events[1].previous is not None
    assert events[1].previous.status is StepStatus.PROVISIONING
    assert events[1].previous.logs == "a\nb\n"
    assert events[1].step is not None
    assert events[1].step.status is StepStatus.FAILED


def test_finished_is_reported_once() -> None:
    """After finished, a tracker reports nothing more, whatever it polls."""
    tracker = ProvisionTracker("infra-1")
    tracker.observe(snapshot(step("s0", "provisioned")))

    events = tracker.observe(snapshot(step("s0", "provisioned", "late\n")))

    assert events == []
    assert tracker.finished


def test_not_started_run_gives_no_event() -> None:
    """A run without steps yet reports nothing and is not finished."""
    tracker = ProvisionTracker("infra-1")

    events = tracker.observe(snapshot())

    assert events == []
    assert not tracker.finished


def test_cursor_holds_no_logs() -> None:
    """A cursor records status, log length and digest per step, never the log text."""
    tracker = ProvisionTracker("infra-1")
    secret_text = "line that must not be copied into the cursor\n" * 100

    events = tracker.observe(snapshot(step("s0", "provisioning", secret_text)))

    cursor = events[-1].cursor
    assert "must not be copied" not in cursor
    assert len(cursor) < 150
    document = json.loads(cursor)
    assert document["v"] == 1
    assert document["steps"][0][:3] == ["s0", "provisioning", len(secret_text)]


def test_resume_rejects_logs_of_another_run() -> None:
    """A cursor whose recorded logs differ from the polled ones raises InvalidCursorError."""
    first = ProvisionTracker("infra-1")
    cursor = first.observe(snapshot(step("s0", "provisioning", "abc")))[-1].cursor
    resumed = ProvisionTracker("infra-1", decode_provision_cursor(cursor, "infra-1"))

    with pytest.raises(InvalidCursorError, match="do not start with the text"):
        resumed.observe(snapshot(step("s0", "provisioning", "xyz and more")))


def test_shrunk_logs_reported_whole_again() -> None:
    """Logs that shrink are reported again in full, and later growth is counted from them."""
    tracker = ProvisionTracker("infra-1")
    tracker.observe(snapshot(step("s0", "provisioning", "abcdef")))

    shrunk = tracker.observe(snapshot(step("s0", "provisioning", "xy")))
    grown = tracker.observe(snapshot(step("s0", "provisioning", "xyzuvwQ")))

    assert _summary(shrunk) == [("logs_appended", "s0", "xy")]
    assert _summary(grown) == [("logs_appended", "s0", "zuvwQ")]


_STATUSES = [status.value for status in StepStatus if status is not StepStatus.UNKNOWN]


@st.composite
def _runs(draw: st.DrawFn) -> list[ProvisionSnapshot]:
    """Draw a sequence of polls of one run: steps appear, logs grow, statuses change."""
    step_count = draw(st.integers(1, 4))
    logs = [""] * step_count
    statuses = ["pending"] * step_count
    visible = 0
    polls: list[ProvisionSnapshot] = []
    for _ in range(draw(st.integers(1, 12))):
        visible = draw(st.integers(visible, step_count))
        for position in range(visible):
            logs[position] += draw(st.sampled_from(["", "", "x", "yz\n", "é"]))
            statuses[position] = draw(st.sampled_from([statuses[position], *_STATUSES]))
        steps = [
            step(f"s{position}", statuses[position], logs[position]) for position in range(visible)
        ]
        polls.append(snapshot(*reversed(steps)))
    return polls


def _watch(polls: list[ProvisionSnapshot], cursor: str | None = None) -> list[ProvisionEvent]:
    mark = decode_provision_cursor(cursor, "infra-1") if cursor is not None else None
    tracker = ProvisionTracker("infra-1", mark)
    events: list[ProvisionEvent] = []
    for polled in polls:
        if tracker.finished:
            break
        events.extend(tracker.observe(polled))
    return events


@settings(max_examples=200, deadline=None)
@given(polls=_runs(), data=st.data())
def test_resumed_stream_equals_uninterrupted(
    polls: list[ProvisionSnapshot], data: st.DataObject
) -> None:
    """Stopping after any poll and resuming from the last cursor repeats and loses nothing."""
    split = data.draw(st.integers(0, len(polls)))

    whole = _watch(polls)
    first = _watch(polls[:split])
    cursor = first[-1].cursor if first else None
    rest = _watch(polls[split:], cursor)

    assert first + rest == whole


@settings(max_examples=200, deadline=None)
@given(polls=_runs())
def test_events_rebuild_the_last_poll(polls: list[ProvisionSnapshot]) -> None:
    """Applying the events in order rebuilds each step's logs and status as last polled."""
    events = _watch(polls)
    rebuilt: dict[str, tuple[str, str]] = {}

    for event in events:
        if event.kind is FINISHED:
            continue
        assert event.step is not None
        if event.kind is ADDED:
            assert event.step.id not in rebuilt
            rebuilt[event.step.id] = ("", event.step.status.value)
        logs, status = rebuilt[event.step.id]
        if event.kind is LOGS:
            assert event.previous is not None
            assert event.previous.logs == logs
            rebuilt[event.step.id] = (logs + event.new_logs, status)
        if event.kind is STATUS:
            assert event.previous is not None
            assert event.previous.status.value == status
            assert event.step.status.value != status
            rebuilt[event.step.id] = (logs, event.step.status.value)

    last = next((poll for poll in polls if poll.outcome.finished), polls[-1])
    assert rebuilt == {polled.id: (polled.logs, polled.status.value) for polled in last.steps}
    assert [event.kind for event in events].count(FINISHED) == int(last.outcome.finished)


def test_chat_tracker_reports_observed_then_changes() -> None:
    """An AI Chat stream reports its first state, then each change of the three flags."""
    tracker = ChatTracker(("org", "ns", "chat"))
    fresh = AIChat(name="chat", namespace="ns", currently_provisioning=True)
    ready = attrs.evolve(fresh, provisioned=True, currently_provisioning=False)

    observed = tracker.observe(fresh)
    unchanged = tracker.observe(fresh)
    changed = tracker.observe(ready)

    assert [event.kind for event in observed] == [AIChatEventKind.OBSERVED]
    assert observed[0].previous is None
    assert unchanged == []
    assert [event.kind for event in changed] == [AIChatEventKind.CHANGED]
    assert changed[0].changed == ("provisioned", "currently_provisioning")
    assert changed[0].previous == fresh
    assert changed[0].chat == ready
