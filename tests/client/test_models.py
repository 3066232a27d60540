"""Derived state of the models: provisioning outcome, progress, lookups, readiness."""

from __future__ import annotations

import pytest

from pwasync import (
    JWK,
    AIChat,
    JWKSet,
    ProvisionChild,
    ProvisionOutcome,
    ProvisionSnapshot,
    ProvisionStep,
    StepStatus,
)


def _step(name: str, status: StepStatus, *children: StepStatus) -> ProvisionStep:
    return ProvisionStep(
        id=f"id-{name}",
        name=name,
        status=status,
        children=tuple(
            ProvisionChild(id=f"{name}-{index}", status=child)
            for index, child in enumerate(children)
        ),
    )


S = StepStatus


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        ([], ProvisionOutcome.NOT_STARTED),
        ([_step("a", S.PENDING)], ProvisionOutcome.IN_PROGRESS),
        ([_step("a", S.PROVISIONED), _step("b", S.PROVISIONING)], ProvisionOutcome.IN_PROGRESS),
        ([_step("a", S.PROVISIONED), _step("b", S.SKIPPED)], ProvisionOutcome.SUCCEEDED),
        ([_step("a", S.WARNING), _step("b", S.DELETED)], ProvisionOutcome.SUCCEEDED),
        ([_step("a", S.PROVISIONED), _step("b", S.FAILED)], ProvisionOutcome.FAILED),
        ([_step("a", S.PENDING), _step("b", S.FAILED)], ProvisionOutcome.FAILED),
        ([_step("a", S.PROVISIONED, S.FAILED)], ProvisionOutcome.FAILED),
        ([_step("a", S.PROVISIONED, S.PROVISIONING)], ProvisionOutcome.IN_PROGRESS),
        ([_step("a", S.PROVISIONED, S.PROVISIONED)], ProvisionOutcome.SUCCEEDED),
        ([_step("a", S.UNKNOWN)], ProvisionOutcome.IN_PROGRESS),
        ([_step("a", S.DELETING)], ProvisionOutcome.IN_PROGRESS),
    ],
)
def test_outcome_table(steps: list[ProvisionStep], expected: ProvisionOutcome) -> None:
    """The outcome follows the documented rules, children included."""
    snapshot = ProvisionSnapshot(infra_id="infra-1", steps=tuple(steps))

    outcome = snapshot.outcome

    assert outcome is expected


def test_nested_child_failure_fails_run() -> None:
    """A failed grandchild fails the whole run."""
    grandchild = ProvisionChild(id="g", status=S.FAILED)
    child = ProvisionChild(id="c", status=S.PROVISIONED, children=(grandchild,))
    step = ProvisionStep(id="s", name="nodes", status=S.PROVISIONED, children=(child,))

    snapshot = ProvisionSnapshot(infra_id="infra-1", steps=(step,))

    assert snapshot.outcome is ProvisionOutcome.FAILED
    assert snapshot.failed_steps == ()


def test_progress_counts_finished_steps() -> None:
    """Progress is the share of top-level steps that have finished, failed ones included."""
    steps = (
        _step("a", S.PROVISIONED),
        _step("b", S.FAILED),
        _step("c", S.PROVISIONING),
        _step("d", S.PENDING),
    )

    snapshot = ProvisionSnapshot(infra_id="infra-1", steps=steps)

    assert snapshot.progress == 0.5
    assert ProvisionSnapshot(infra_id="infra-1").progress == 0.0


def test_failed_steps_and_lookup() -> None:
    """failed_steps lists failed steps in order and step() finds a step by name."""
    steps = (_step("a", S.FAILED), _step("b", S.PROVISIONED), _step("c", S.FAILED))

    snapshot = ProvisionSnapshot(infra_id="infra-1", steps=steps)

    assert [step.name for step in snapshot.failed_steps] == ["a", "c"]
    assert snapshot.step("b") is steps[1]
    assert snapshot.step("missing") is None


def test_unknown_status_string() -> None:
    """An unknown status string becomes UNKNOWN, which is not finished."""
    status = StepStatus("hibernating")

    assert status is StepStatus.UNKNOWN
    assert not status.finished
    assert str(StepStatus.PROVISIONED) == "provisioned"


def test_status_rejects_non_string() -> None:
    """Only strings map to UNKNOWN; other values stay invalid."""
    with pytest.raises(ValueError, match="StepStatus"):
        StepStatus(3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("provisioned", "currently_provisioning", "ready"),
    [(True, False, True), (True, True, False), (False, False, False), (False, True, False)],
)
def test_ai_chat_ready(provisioned: bool, currently_provisioning: bool, ready: bool) -> None:
    """A chat is ready when provisioned and not provisioning."""
    chat = AIChat(
        name="helper", provisioned=provisioned, currently_provisioning=currently_provisioning
    )

    assert chat.ready is ready


def test_models_hashable_and_frozen() -> None:
    """Models are immutable values; chats with dict fields still hash."""
    chat = AIChat(name="helper", variables={"size": "small"})

    with pytest.raises(AttributeError):
        chat.name = "other"  # type: ignore[misc]
    assert hash(chat) == hash(AIChat(name="helper", variables={"size": "large"}))


def test_jwk_set_lookup() -> None:
    """JWKSet.get finds a key by id."""
    key = JWK(kty="RSA", kid="k1", n="AQAB", e="AQAB")
    keys = JWKSet(keys=(key,))

    assert keys.get("k1") is key
    assert keys.get("k2") is None
