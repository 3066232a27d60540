"""``pw.provision_status``: the steps of a provisioning run."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from itertools import pairwise
from operator import attrgetter

from pwasync._converter import Decoder
from pwasync._watch import WatchStream
from pwasync._watch_many import DEFAULT_WATCH_CONCURRENCY, MultiWatch
from pwasync._watchers import (
    DEFAULT_INTERVAL,
    DEFAULT_MAX_INTERVAL,
    DEFAULT_WAIT_TIMEOUT,
    wait_for_provisioning,
    watch_provisioning,
)
from pwasync.models.events import ProvisionEvent
from pwasync.models.provisioning import ProvisionSnapshot, ProvisionStep
from pwasync.resources._base import Resource, check_str

__all__ = ["ProvisionStatus"]

_STEPS: Decoder[tuple[ProvisionStep, ...]] = Decoder(tuple[ProvisionStep, ...])
_BY_INDEX = attrgetter("index")


class ProvisionStatus(Resource):
    """Operations on the provisioning runs of an organization, by infra id."""

    async def get(self, org: str, infra_id: str) -> ProvisionSnapshot:
        """Return the run's current steps, ordered by index; ``null`` gives no steps."""
        steps = await self._transport.request(
            "provision_status.get", (org, infra_id), decoder=_STEPS
        )
        if any(left.index > right.index for left, right in pairwise(steps)):
            steps = tuple(sorted(steps, key=_BY_INDEX))
        return ProvisionSnapshot(infra_id=infra_id, steps=steps)

    def watch(
        self,
        org: str,
        infra_id: str,
        *,
        interval: float = DEFAULT_INTERVAL,
        max_interval: float = DEFAULT_MAX_INTERVAL,
        timeout: float | None = None,
        cursor: str | None = None,
        on_poll: Callable[[ProvisionSnapshot], object] | None = None,
    ) -> WatchStream[ProvisionEvent]:
        """Stream the changes of a provisioning run as ``ProvisionEvent`` objects.

        Use it in ``async for``, or as ``async with pw.provision_status.watch(...)
        as events``. Events come once per step added, per log growth and per
        status change, ordered by step index (for one step: added, logs,
        status), then ``finished`` when the run succeeds or fails, after which
        the stream ends. Polling starts every ``interval`` seconds and slows
        down, up to ``max_interval``, while nothing changes. Transient failures
        are retried; ``NotFoundError`` ends the stream, and ``timeout`` (seconds
        from the first iteration, ``None`` for no limit) raises ``WaitTimeout``.

        ``cursor``, taken from a delivered event, resumes after that event
        without repeating it, in this process or another. A malformed cursor,
        one of an unknown version or one of another run raises
        ``InvalidCursorError`` here. A cursor whose logs do not match the run
        raises it on the first iteration. ``on_poll`` receives every polled
        snapshot, changed or not.
        """
        check_str("org", org)
        return watch_provisioning(
            lambda: self.get(org, infra_id),
            infra_id,
            retry=self._client.retry_policy,
            interval=interval,
            max_interval=max_interval,
            timeout=timeout,
            cursor=cursor,
            on_poll=on_poll,
        )

    async def wait(
        self,
        org: str,
        infra_id: str,
        *,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        interval: float = DEFAULT_INTERVAL,
        max_interval: float = DEFAULT_MAX_INTERVAL,
        on_poll: Callable[[ProvisionSnapshot], object] | None = None,
    ) -> ProvisionSnapshot:
        """Wait until a provisioning run finishes and return its final snapshot.

        Raises ``ProvisioningFailed`` (with the snapshot and each failed step's
        error text) when the run failed, and ``WaitTimeout`` when ``timeout``
        seconds (an hour by default, ``None`` for no limit) pass first.
        """
        check_str("org", org)
        return await wait_for_provisioning(
            lambda: self.get(org, infra_id),
            infra_id,
            retry=self._client.retry_policy,
            timeout=timeout,
            interval=interval,
            max_interval=max_interval,
            on_poll=on_poll,
        )

    def watch_many(
        self,
        org: str,
        infra_ids: Iterable[str],
        *,
        concurrency: int = DEFAULT_WATCH_CONCURRENCY,
        interval: float = DEFAULT_INTERVAL,
        max_interval: float = DEFAULT_MAX_INTERVAL,
        timeout: float | None = None,
        cursors: Mapping[str, str] | None = None,
        on_poll: Callable[[ProvisionSnapshot], object] | None = None,
    ) -> MultiWatch:
        """Watch many provisioning runs as one stream, in an ``async with`` block.

        ``async with pw.provision_status.watch_many(org, ids) as items`` yields
        every run's ``ProvisionEvent`` objects and, for a run whose watch
        raised (``NotFoundError``, ``WaitTimeout``...), one ``WatchFailure``;
        the other runs go on. Iteration ends when every run has finished or
        failed, and leaving the block stops the watches still running. At
        most ``concurrency`` polls are in flight at once. ``cursors`` maps
        infra ids to the cursors to resume from; the other options apply to
        each run as in ``watch``.
        """
        check_str("org", org)

        async def fetch(infra_id: str) -> ProvisionSnapshot:
            return await self.get(org, infra_id)

        return MultiWatch(
            fetch,
            infra_ids,
            retry=self._client.retry_policy,
            concurrency=concurrency,
            interval=interval,
            max_interval=max_interval,
            timeout=timeout,
            cursors=cursors,
            on_poll=on_poll,
        )
