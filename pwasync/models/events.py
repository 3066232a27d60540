"""Events that watchers stream: changes of a provisioning run or of an AI Chat."""

from __future__ import annotations

import enum

import attrs

from pwasync.models.ai_chats import AIChat
from pwasync.models.provisioning import ProvisionOutcome, ProvisionSnapshot, ProvisionStep

__all__ = [
    "AIChatEvent",
    "AIChatEventKind",
    "ProvisionEvent",
    "ProvisionEventKind",
    "WatchFailure",
]


class ProvisionEventKind(str, enum.Enum):
    """The kind of change that a provisioning event reports."""

    STEP_ADDED = "step_added"
    LOGS_APPENDED = "logs_appended"
    STATUS_CHANGED = "status_changed"
    FINISHED = "finished"

    def __str__(self) -> str:
        return self.value


@attrs.frozen(kw_only=True)
class ProvisionEvent:
    """One change of a provisioning run, as a watcher reports it.

    ``step`` is the step as polled (``None`` for ``finished``). ``previous`` is
    the same step as this stream last reported it: the polled step with the
    status and the logs that earlier events delivered, or ``None`` for
    ``step_added`` and ``finished``. Its other fields are those of the polled
    step, because a watcher keeps only each step's status and log length
    between polls. ``new_logs`` is the text appended since the last report
    (empty unless ``logs_appended``). If the server rewrote the step's logs
    instead of appending to them, ``new_logs`` is the whole current text and
    ``previous`` has empty logs. ``cursor`` resumes a new watcher right
    after this event.
    """

    kind: ProvisionEventKind
    infra_id: str
    step: ProvisionStep | None = None
    previous: ProvisionStep | None = None
    new_logs: str = ""
    snapshot: ProvisionSnapshot
    cursor: str

    @property
    def outcome(self) -> ProvisionOutcome:
        """The run's outcome in the snapshot this event came from."""
        return self.snapshot.outcome


class AIChatEventKind(str, enum.Enum):
    """Whether an AI Chat event is the first state a stream reports or a change."""

    OBSERVED = "observed"
    CHANGED = "changed"

    def __str__(self) -> str:
        return self.value


@attrs.frozen(kw_only=True)
class AIChatEvent:
    """A change of an AI Chat's ``provisioned``, ``currently_provisioning`` or ``ingested``.

    The first event of a fresh stream is ``observed``, with the chat as first
    polled and ``previous`` set to ``None``. Later events are ``changed``:
    ``changed`` names the fields that differ, in field order, and
    ``previous`` is the polled chat with those fields as last reported.
    """

    kind: AIChatEventKind
    namespace: str
    name: str
    chat: AIChat
    previous: AIChat | None = None
    changed: tuple[str, ...] = ()
    cursor: str


@attrs.frozen(kw_only=True)
class WatchFailure:
    """The error that ended one run's watch inside ``watch_many``; the other runs go on."""

    infra_id: str
    error: Exception
