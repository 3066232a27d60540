"""``pw.clusters``: what a provisioning agent reports about a cluster session."""

from __future__ import annotations

import base64

from pwasync.models.provisioning import StepStatus
from pwasync.resources._base import Resource, check_str, compact

__all__ = ["Clusters"]

_REPORTABLE = tuple(status for status in StepStatus if status is not StepStatus.UNKNOWN)
_REPORTABLE_VALUES: dict[str, str] = {str(status): str(status) for status in _REPORTABLE}
_CHILD_ACTIONS = ("add", "update")


def _base64(name: str, value: str | bytes | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = value.encode()
    elif not isinstance(value, bytes):
        raise TypeError(f"{name} must be str, bytes or None, got {type(value).__name__}")
    return base64.b64encode(value).decode("ascii")


def _status(status: StepStatus | str) -> str:
    if isinstance(status, StepStatus) and status is not StepStatus.UNKNOWN:
        return str(status)
    if isinstance(status, str) and status in _REPORTABLE_VALUES:
        return _REPORTABLE_VALUES[status]
    allowed = ", ".join(item.value for item in _REPORTABLE)
    raise ValueError(f"status must be one of {allowed}; got {status!r}")


class Clusters(Resource):
    """Operations on cluster sessions."""

    async def update_provision_status(
        self,
        org: str,
        namespace: str,
        cluster: str,
        session_number: int | str,
        *,
        step_id: str,
        status: StepStatus | str,
        logs: str | bytes | None = None,
        error: str | bytes | None = None,
        child_action: str | None = None,
        child_id: str | None = None,
        child_label: str | None = None,
    ) -> None:
        """Report a provisioning step: a new ``step_id`` adds a step, a known one updates it.

        ``logs`` are appended to the step's logs and ``error`` sets its error
        text; the SDK base64-encodes both as the API expects. With
        ``child_action`` ("add" or "update") the report is about the step's
        child ``child_id``.
        """
        check_str("step_id", step_id)
        wire_status = _status(status)
        if child_action is not None and child_action not in _CHILD_ACTIONS:
            raise ValueError(f"child_action must be 'add', 'update' or None; got {child_action!r}")
        check_str("child_id", child_id, optional=True)
        check_str("child_label", child_label, optional=True)
        update = compact(
            id=step_id,
            status=wire_status,
            logs=_base64("logs", logs),
            errorMessage=_base64("error", error),
            childAction=child_action,
            childId=child_id,
            childLabel=child_label,
        )
        await self._transport.request(
            "clusters.update_provision_status",
            (org, namespace, cluster, session_number),
            json_body={"provisionStatus": update},
        )
