"""Models of cluster provisioning: steps, their children, and a run's snapshot."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

__all__ = [
    "ProvisionChild",
    "ProvisionOutcome",
    "ProvisionSnapshot",
    "ProvisionStep",
    "StepAttribute",
    "StepStatus",
]


class StepStatus(str, enum.Enum):
    """Status of a provisioning step or child; the values are the wire strings.

    A status string that this version of the SDK does not know becomes
    ``UNKNOWN`` (also ``StepStatus("anything-new")``), which counts as still in
    progress.
    """

    PENDING = "pending"
    PROVISIONING = "provisioning"
    PROVISIONED = "provisioned"
    FAILED = "failed"
    SKIPPED = "skipped"
    WARNING = "warning"
    DELETING = "deleting"
    DELETED = "deleted"
    UNKNOWN = "unknown"

    @classmethod
    def _missing_(cls, value: object) -> StepStatus | None:
        if isinstance(value, str):
            return cls.UNKNOWN
        return None

    def __str__(self) -> str:
        return self.value

    @property
    def finished(self) -> bool:
        """Whether the step has stopped changing: done, failed, skipped, or torn down."""
        return self in _FINISHED

    @property
    def successful(self) -> bool:
        """Whether the status counts towards a successful run.

        True for provisioned, skipped, warning and deleted.
        """
        return self in _SUCCESSFUL


_SUCCESSFUL = frozenset(
    {StepStatus.PROVISIONED, StepStatus.SKIPPED, StepStatus.WARNING, StepStatus.DELETED}
)
_FINISHED = _SUCCESSFUL | {StepStatus.FAILED}


class ProvisionOutcome(str, enum.Enum):
    """Outcome of a whole provisioning run, derived from its steps and their children."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    def __str__(self) -> str:
        return self.value

    @property
    def finished(self) -> bool:
        """Whether the run has ended, successfully or not."""
        return self is ProvisionOutcome.SUCCEEDED or self is ProvisionOutcome.FAILED


@attrs.frozen(kw_only=True, slots=False)
class StepAttribute:
    """A key-value annotation on a provisioning step; ``type`` hints how to read ``value``."""

    key: str
    value: str = ""
    type: str | None = None


@attrs.frozen(kw_only=True, slots=False)
class ProvisionChild:
    """A sub-step of a provisioning step, such as one node of a cluster."""

    id: str
    index: int = 0
    label: str = ""
    status: StepStatus
    error: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    children: tuple[ProvisionChild, ...] = ()


@attrs.frozen(kw_only=True, slots=False)
class ProvisionStep:
    """One step of a provisioning run, with the logs and error text received so far."""

    id: str
    index: int = 0
    name: str = ""
    label: str = ""
    status: StepStatus
    logs: str = ""
    error: str = ""
    attributes: tuple[StepAttribute, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    children: tuple[ProvisionChild, ...] = ()


@attrs.frozen(kw_only=True, slots=False)
class ProvisionSnapshot:
    """The state of a provisioning run at one moment: its steps in order.

    An empty ``steps`` means the run has not registered any step yet, which is
    never a finished run.
    """

    infra_id: str
    steps: tuple[ProvisionStep, ...] = ()

    @property
    def outcome(self) -> ProvisionOutcome:
        """The run's outcome, derived from every step and child.

        A run with no steps has not started. It failed if any step or child
        failed. It succeeded if every step and child is provisioned, skipped,
        warning or deleted. Otherwise it is in progress.
        """
        if not self.steps:
            return ProvisionOutcome.NOT_STARTED
        all_successful = True
        for status in _statuses(self.steps):
            if status is StepStatus.FAILED:
                return ProvisionOutcome.FAILED
            if all_successful and status not in _SUCCESSFUL:
                all_successful = False
        return ProvisionOutcome.SUCCEEDED if all_successful else ProvisionOutcome.IN_PROGRESS

    @property
    def failed_steps(self) -> tuple[ProvisionStep, ...]:
        """The top-level steps whose own status is failed, in order.

        A run can fail through a child alone, with every step's own status
        successful: ``failed_children`` lists those.
        """
        return tuple(step for step in self.steps if step.status is StepStatus.FAILED)

    @property
    def failed_children(self) -> tuple[tuple[ProvisionStep, ProvisionChild], ...]:
        """Each failed child at any depth, paired with its top-level step, in order.

        Children come depth first: a child before its own children.
        """
        failed: list[tuple[ProvisionStep, ProvisionChild]] = []
        for step in self.steps:
            failed.extend((step, child) for child in _failed_children(step.children))
        return tuple(failed)

    @property
    def progress(self) -> float:
        """The fraction of top-level steps that have finished, from 0.0 to 1.0."""
        if not self.steps:
            return 0.0
        finished = sum(1 for step in self.steps if step.status in _FINISHED)
        return finished / len(self.steps)

    def step(self, name: str) -> ProvisionStep | None:
        """Return the step with this ``name`` (the step key), or ``None`` if there is none."""
        for step in self.steps:
            if step.name == name:
                return step
        return None


def _statuses(
    nodes: tuple[ProvisionStep, ...] | tuple[ProvisionChild, ...],
) -> list[StepStatus]:
    statuses: list[StepStatus] = []
    for node in nodes:
        statuses.append(node.status)
        if node.children:
            statuses.extend(_statuses(node.children))
    return statuses


def _failed_children(children: tuple[ProvisionChild, ...]) -> list[ProvisionChild]:
    failed: list[ProvisionChild] = []
    for child in children:
        if child.status is StepStatus.FAILED:
            failed.append(child)
        failed.extend(_failed_children(child.children))
    return failed
