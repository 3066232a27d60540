"""Change detection between polls: turn each new snapshot into the events it implies.

The trackers here do no I/O. A tracker remembers only what its stream has
reported (a ``ProvisionMark`` or a ``ChatMark``), so a tracker rebuilt from
the cursor of the last delivered event reports exactly what the original
tracker would have reported from then on.

Within one provisioning poll, events follow the steps' ``index`` order. For
one step they come as: ``step_added`` when the step is new, then
``logs_appended`` when its logs grew (a new step's first logs count as
growth), then ``status_changed`` when its status differs from the one last
reported. Logs come before the status because they describe what led to it,
such as the last lines before a failure. ``finished`` follows every step event
of the poll in which the run's outcome became succeeded or failed.

Logs only grow on the platform. When a step's logs shrink, or the end of the
text already delivered changes, the tracker treats them as rewritten: the
next ``logs_appended`` carries the whole current text, with ``previous``
showing empty logs, and the cursor records the new text.
"""

from __future__ import annotations

import logging
from typing import Any

import attrs

from pwasync._cursor import (
    ChatMark,
    ProvisionMark,
    StepMark,
    encode_chat_cursor,
    encode_provision_cursor,
    log_bytes,
    log_digest,
    new_log_hasher,
)
from pwasync._errors import InvalidCursorError
from pwasync.models.ai_chats import AIChat
from pwasync.models.events import (
    AIChatEvent,
    AIChatEventKind,
    ProvisionEvent,
    ProvisionEventKind,
)
from pwasync.models.provisioning import ProvisionSnapshot, ProvisionStep

__all__ = ["ChatTracker", "ProvisionTracker"]

logger = logging.getLogger("pwasync.watch")

_CHAT_FLAGS = ("provisioned", "currently_provisioning", "ingested")
# Characters at the end of each step's delivered logs that every poll compares
# to detect rewritten logs. Comparing a short tail keeps the cost of a poll
# independent of the length of the logs.
_TAIL_LENGTH = 64


class ProvisionTracker:
    """The reported state of one provisioning run, and the diff of each new snapshot."""

    def __init__(self, infra_id: str, resume_from: ProvisionMark | None = None) -> None:
        self.infra_id = infra_id
        self._marks: dict[str, StepMark] = {}
        # Incremental log hashers of the steps whose logs may still grow. A
        # hasher takes about 400 bytes, so finished steps drop theirs. A hasher
        # is rebuilt from the first ``log_length`` characters of the current
        # logs, which are the delivered text because logs are append-only.
        self._hashers: dict[str, Any] = {}
        # The last characters delivered per unfinished step, to detect rewrites.
        self._tails: dict[str, str] = {}
        # Steps taken from a cursor whose logs are checked when first polled.
        self._unverified: set[str] = set()
        self._rewritten: set[str] = set()
        self._repeated: set[str] = set()
        self.finished = False
        if resume_from is not None:
            self._marks = dict(resume_from.steps)
            self._unverified = set(self._marks)
            self.finished = resume_from.finished

    def observe(self, snapshot: ProvisionSnapshot) -> list[ProvisionEvent]:
        """Return the events that ``snapshot`` implies, in delivery order, and record them.

        Raises ``InvalidCursorError`` when a step's logs do not start with the
        text that the cursor this tracker resumed from records.
        """
        events: list[ProvisionEvent] = []
        if self.finished:
            return events

        observed: set[str] = set()
        for step in sorted(snapshot.steps, key=lambda step: step.index):
            # A second entry with the same id would be diffed against the
            # first one's mark and flip its status back and forth every poll.
            if step.id in observed:
                self._warn_repeated(step)
                continue
            observed.add(step.id)
            self._observe_step(step, snapshot, events)

        if snapshot.outcome.finished:
            self.finished = True
            events.append(self._event(ProvisionEventKind.FINISHED, snapshot))
        return events

    def _observe_step(
        self, step: ProvisionStep, snapshot: ProvisionSnapshot, events: list[ProvisionEvent]
    ) -> None:
        mark = self._marks.get(step.id)
        if mark is None:
            mark = StepMark(status=step.status, log_length=0, log_digest=log_digest(""))
            self._marks[step.id] = mark
            events.append(self._event(ProvisionEventKind.STEP_ADDED, snapshot, step))
        elif step.id in self._unverified and len(step.logs) >= mark.log_length:
            self._verify(step, mark)

        if self._logs_rewritten(step, mark):
            self._warn_rewritten(step, mark)
            mark = StepMark(status=mark.status, log_length=0, log_digest=log_digest(""))
            self._marks[step.id] = mark
            self._unverified.discard(step.id)
            self._hashers.pop(step.id, None)

        if len(step.logs) > mark.log_length:
            new_logs = step.logs[mark.log_length :]
            previous = self._as_reported(step, mark)
            hasher = self._hashers.get(step.id)
            if hasher is None:
                hasher = self._hashers[step.id] = new_log_hasher()
                hasher.update(log_bytes(step.logs[: mark.log_length]))
            hasher.update(log_bytes(new_logs))
            mark = StepMark(
                status=mark.status, log_length=len(step.logs), log_digest=hasher.hexdigest()
            )
            self._marks[step.id] = mark
            self._tails[step.id] = step.logs[-_TAIL_LENGTH:]
            events.append(
                self._event(ProvisionEventKind.LOGS_APPENDED, snapshot, step, previous, new_logs)
            )

        if step.status != mark.status:
            previous = self._as_reported(step, mark)
            self._marks[step.id] = attrs.evolve(mark, status=step.status)
            events.append(self._event(ProvisionEventKind.STATUS_CHANGED, snapshot, step, previous))

        if step.status.finished:
            self._hashers.pop(step.id, None)
            self._tails.pop(step.id, None)

    def _logs_rewritten(self, step: ProvisionStep, mark: StepMark) -> bool:
        if len(step.logs) < mark.log_length:
            return True
        # NOTE: a rewrite that keeps the last characters delivered goes
        # unnoticed while watching. Only a watcher resumed from a cursor
        # checks the digest of the whole delivered text.
        tail = self._tails.get(step.id)
        if tail is None:
            return False
        return step.logs[mark.log_length - len(tail) : mark.log_length] != tail

    def _verify(self, step: ProvisionStep, mark: StepMark) -> None:
        self._unverified.discard(step.id)
        delivered = step.logs[: mark.log_length]
        if log_digest(delivered) != mark.log_digest:
            raise InvalidCursorError(
                f"invalid watch cursor: the logs of step {step.name or step.id!r} in "
                f"provisioning run {self.infra_id!r} do not start with the text the cursor "
                "records, so the cursor comes from another run or another platform; "
                "start without a cursor"
            )

    def _warn_repeated(self, step: ProvisionStep) -> None:
        if step.id in self._repeated:
            return
        self._repeated.add(step.id)
        logger.warning(
            "provisioning run %s lists step id %r more than once; reporting only its "
            "entry with the lowest index",
            self.infra_id,
            step.id,
        )

    def _warn_rewritten(self, step: ProvisionStep, mark: StepMark) -> None:
        # Logged once per step: a server that rewrites logs may do so every poll.
        if step.id in self._rewritten:
            return
        self._rewritten.add(step.id)
        logger.warning(
            "logs of step %r in provisioning run %s were rewritten (%d characters "
            "delivered, %d now); reporting the whole current text as new",
            step.name or step.id,
            self.infra_id,
            mark.log_length,
            len(step.logs),
        )

    @staticmethod
    def _as_reported(step: ProvisionStep, mark: StepMark) -> ProvisionStep:
        return attrs.evolve(step, status=mark.status, logs=step.logs[: mark.log_length])

    def _event(
        self,
        kind: ProvisionEventKind,
        snapshot: ProvisionSnapshot,
        step: ProvisionStep | None = None,
        previous: ProvisionStep | None = None,
        new_logs: str = "",
    ) -> ProvisionEvent:
        return ProvisionEvent(
            kind=kind,
            infra_id=self.infra_id,
            step=step,
            previous=previous,
            new_logs=new_logs,
            snapshot=snapshot,
            cursor=self.cursor(),
        )

    def cursor(self) -> str:
        """Return the cursor of everything reported so far."""
        mark = ProvisionMark(
            infra_id=self.infra_id, steps=tuple(self._marks.items()), finished=self.finished
        )
        return encode_provision_cursor(mark)


class ChatTracker:
    """The reported state flags of one AI Chat, and the diff of each new poll."""

    # An AI Chat has no end state, so its stream never finishes by itself.
    finished = False

    def __init__(self, chat: tuple[str, str, str], resume_from: ChatMark | None = None) -> None:
        self.chat = chat
        self._mark = resume_from

    def observe(self, polled: AIChat) -> list[AIChatEvent]:
        """Return the event that ``polled`` implies (none if its flags are unchanged)."""
        mark = ChatMark(
            chat=self.chat,
            provisioned=polled.provisioned,
            currently_provisioning=polled.currently_provisioning,
            ingested=polled.ingested,
        )
        reported = self._mark
        if reported == mark:
            return []

        self._mark = mark
        _, namespace, name = self.chat
        if reported is None:
            kind = AIChatEventKind.OBSERVED
            previous = None
            changed: tuple[str, ...] = ()
        else:
            kind = AIChatEventKind.CHANGED
            changed = tuple(
                flag for flag in _CHAT_FLAGS if getattr(reported, flag) != getattr(mark, flag)
            )
            previous = attrs.evolve(polled, **{flag: getattr(reported, flag) for flag in changed})
        event = AIChatEvent(
            kind=kind,
            namespace=namespace,
            name=name,
            chat=polled,
            previous=previous,
            changed=changed,
            cursor=encode_chat_cursor(mark),
        )
        return [event]
