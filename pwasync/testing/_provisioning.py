"""Provision status of cluster sessions and the one path that updates it.

Both the ``clusters.update_provision_status`` operation and the emulator's own
provisioning simulator go through ``apply_wire_update``, so the simulator
exercises the same base64 decoding, child actions and log appending that an
external provisioning agent does.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import attrs

from pwasync.testing._wire import Body, bad_request, not_found

__all__ = [
    "STEP_STATUSES",
    "ClusterSession",
    "ProvisionChild",
    "ProvisionStep",
    "ProvisionUpdate",
    "apply_update",
    "apply_wire_update",
    "parse_update",
    "step_label",
]

STEP_STATUSES = frozenset(
    {
        "pending",
        "provisioning",
        "provisioned",
        "failed",
        "skipped",
        "warning",
        "deleting",
        "deleted",
    }
)
CHILD_ACTIONS = frozenset({"add", "update"})


def _now() -> str:
    moment = datetime.now(timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def step_label(name: str) -> str:
    """Turn a step key such as ``create_network`` into its title ``Create network``."""
    words = name.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else name


@attrs.define
class ProvisionChild:
    id: str
    index: int
    label: str
    status: str
    error: str
    created_at: str
    updated_at: str

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {
            "id": self.id,
            "index": self.index,
            "label": self.label,
            "status": self.status,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "children": None,
        }
        if self.error:
            wire["error"] = self.error
        return wire


@attrs.define
class ProvisionStep:
    id: str
    index: int
    name: str
    label: str
    status: str
    logs: str
    error: str
    created_at: str
    updated_at: str
    children: list[ProvisionChild] = attrs.Factory(list)

    def to_wire(self, infra_id: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "index": self.index,
            "name": self.name,
            "label": self.label,
            "status": self.status,
            "logs": self.logs,
            "error": self.error,
            "attributes": None,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "children": [child.to_wire() for child in self.children] or None,
            # A field beyond the documented object, as the platform adds such fields.
            "infraId": infra_id,
        }


@attrs.define
class ClusterSession:
    """One session of a cluster; ``steps`` stays ``None`` until the first update."""

    org: str
    namespace: str
    cluster: str
    number: int
    infra_id: str
    steps: list[ProvisionStep] | None = None

    def to_wire(self) -> list[dict[str, Any]] | None:
        if self.steps is None:
            return None
        return [step.to_wire(self.infra_id) for step in self.steps]


@attrs.frozen
class ProvisionUpdate:
    """A decoded ``ProvisionStatusUpdate``: ``logs`` and ``error`` are plain text."""

    step_id: str
    status: str
    logs: str | None = None
    error: str | None = None
    child_action: str | None = None
    child_id: str | None = None
    child_label: str | None = None


def parse_update(body: dict[str, Any]) -> ProvisionUpdate:
    """Validate a ``{"provisionStatus": {...}}`` body; raise a 400 ``WireError`` if wrong."""
    update = Body(body).nested("provisionStatus")
    step_id = update.string("id", required=True, non_empty=True)
    status = update.choice("status", STEP_STATUSES, required=True)
    child_action = update.choice("childAction", CHILD_ACTIONS)
    child_id = update.string("childId", non_empty=True)
    if child_action is not None and child_id is None:
        raise bad_request(
            "missing required field 'provisionStatus.childId': it is required with childAction"
        )
    assert step_id is not None
    assert status is not None
    return ProvisionUpdate(
        step_id=step_id,
        status=status,
        logs=update.base64_text("logs"),
        error=update.base64_text("errorMessage"),
        child_action=child_action,
        child_id=child_id,
        child_label=update.string("childLabel"),
    )


def apply_update(session: ClusterSession, update: ProvisionUpdate) -> None:
    """Append or update the step (or child) named by ``update``.

    A new step id appends a step, a known one updates it; logs are appended to
    the step's logs. Child actions need the parent step to exist already, and
    ``update`` needs the child to exist: both raise a 404 ``WireError`` otherwise.
    """
    now = _now()
    steps = session.steps if session.steps is not None else []
    step = next((s for s in steps if s.id == update.step_id), None)
    if step is None and update.child_action is not None:
        raise not_found(
            f"step {update.step_id!r} not found in {session.infra_id}: add the step "
            "before its children"
        )
    if step is None:
        step = ProvisionStep(
            id=update.step_id,
            index=len(steps),
            name=update.step_id,
            label=step_label(update.step_id),
            status=update.status,
            logs="",
            error="",
            created_at=now,
            updated_at=now,
        )
        steps.append(step)
        session.steps = steps
    elif update.child_action is None:
        step.status = update.status

    if update.child_action is not None:
        _apply_child(step, update, now)
    elif update.error is not None:
        step.error = update.error
    if update.logs:
        step.logs += update.logs
    step.updated_at = now


def _apply_child(step: ProvisionStep, update: ProvisionUpdate, now: str) -> None:
    assert update.child_id is not None
    child = next((c for c in step.children if c.id == update.child_id), None)
    if update.child_action == "add" and child is None:
        step.children.append(
            ProvisionChild(
                id=update.child_id,
                index=len(step.children),
                label=update.child_label or update.child_id,
                status=update.status,
                error=update.error or "",
                created_at=now,
                updated_at=now,
            )
        )
        return
    if child is None:
        raise not_found(
            f"child {update.child_id!r} not found in step {step.id!r}: add it with "
            "childAction 'add' first"
        )
    child.status = update.status
    if update.error is not None:
        child.error = update.error
    if update.child_label:
        child.label = update.child_label
    child.updated_at = now


def apply_wire_update(session: ClusterSession, body: dict[str, Any]) -> None:
    """Parse a wire ``ProvisionStatusUpdate`` body and apply it to ``session``."""
    apply_update(session, parse_update(body))
