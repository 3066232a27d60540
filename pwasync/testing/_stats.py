"""Request statistics of a running emulator."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from types import MappingProxyType

import attrs

__all__ = ["Stats", "StatsRecorder"]


@attrs.frozen(kw_only=True)
class Stats:
    """A snapshot of the requests an emulator has received since start or the last reset.

    ``requests`` counts every request that arrived, faulted or not.
    ``in_flight`` is the number being handled when the snapshot was taken and
    ``max_in_flight`` its peak, with injected latency and stalls counted as in
    flight. ``by_operation`` counts arrivals per operation id (unknown routes
    are left out), ``by_method`` per HTTP method, ``by_status`` per response
    status sent (resets send none), and ``faults`` per injected fault kind:
    ``error``, ``html_error``, ``reset``, ``rate_limit``, ``stall``, and
    ``throttle`` for 429s from the ``requests_per_second`` token bucket.
    """

    requests: int
    in_flight: int
    max_in_flight: int
    by_operation: Mapping[str, int]
    by_method: Mapping[str, int]
    by_status: Mapping[int, int]
    faults: Mapping[str, int]


class StatsRecorder:
    """The live counters behind ``Stats``; the event loop is its only writer."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.reset()

    def reset(self) -> None:
        """Zero every counter; requests in flight stay counted and set the new peak."""
        self.requests = 0
        self.max_in_flight = self.in_flight
        self.by_operation: Counter[str] = Counter()
        self.by_method: Counter[str] = Counter()
        self.by_status: Counter[int] = Counter()
        self.faults: Counter[str] = Counter()

    def started(self, method: str, operation: str | None) -> None:
        self.requests += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        self.by_method[method] += 1
        if operation is not None:
            self.by_operation[operation] += 1

    def finished(self, status: int | None) -> None:
        self.in_flight -= 1
        if status is not None:
            self.by_status[status] += 1

    def fault(self, kind: str) -> None:
        self.faults[kind] += 1

    def snapshot(self) -> Stats:
        return Stats(
            requests=self.requests,
            in_flight=self.in_flight,
            max_in_flight=self.max_in_flight,
            by_operation=MappingProxyType(dict(self.by_operation)),
            by_method=MappingProxyType(dict(self.by_method)),
            by_status=MappingProxyType(dict(self.by_status)),
            faults=MappingProxyType(dict(self.faults)),
        )
