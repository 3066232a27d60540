"""Builders of provisioning snapshots for tests that need no server."""

from __future__ import annotations

from pwasync.models import ProvisionSnapshot, ProvisionStep, StepStatus


def step(
    step_id: str, status: str = "pending", logs: str = "", *, index: int | None = None
) -> ProvisionStep:
    """Build a step whose index defaults to the number in its id (``s3`` -> 3)."""
    if index is None:
        index = int(step_id.lstrip("s"))
    return ProvisionStep(
        id=step_id, index=index, name=step_id, status=StepStatus(status), logs=logs
    )


def snapshot(*steps: ProvisionStep, infra_id: str = "infra-1") -> ProvisionSnapshot:
    """Build a snapshot of ``steps`` for ``infra_id``."""
    return ProvisionSnapshot(infra_id=infra_id, steps=steps)
