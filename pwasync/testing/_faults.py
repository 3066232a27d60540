"""Seeded fault injection: latency, server errors, resets, 429s, stalls, a rate limit."""

from __future__ import annotations

import math
import random
from typing import Literal

import attrs

__all__ = ["Decision", "FaultInjector", "Faults"]

RetryAfterForm = Literal["seconds", "http-date"]


def _rate(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise ValueError(
            f"Faults.{attribute.name} must be a probability between 0.0 and 1.0, got {value!r}"
        )


def _non_negative(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
    ):
        raise ValueError(
            f"Faults.{attribute.name} must be a finite number of seconds >= 0, got {value!r}"
        )


def _positive_int(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"Faults.{attribute.name} must be an integer >= 1, got {value!r}")


def _burst(instance: object, attribute: attrs.Attribute[int | None], value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"Faults.burst must be an integer >= 1 or None, got {value!r}")


def _form(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in ("seconds", "http-date"):
        raise ValueError(f"Faults.retry_after_form must be 'seconds' or 'http-date', got {value!r}")


def _requests_per_second(
    instance: object, attribute: attrs.Attribute[float | None], value: float | None
) -> None:
    if value is None:
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(
            f"Faults.requests_per_second must be a positive number or None, got {value!r}"
        )


@attrs.frozen(kw_only=True)
class Faults:
    """Faults that the emulator injects into requests, reproducibly from ``seed``.

    Each request draws one number from a generator seeded with ``seed``. The
    rates split ``[0, 1)`` into reset, rate limit, server error and stall
    bands, so the same seed and the same sequence of requests give the same
    faults. The four rates together must not exceed 1.0.

    - ``latency``: seconds added before every response.
    - ``error_rate``: share of requests answered 500, 502 or 503 with the error
      envelope, or now and then 502 with an HTML proxy page.
    - ``reset_rate``: share of connections closed (TCP reset) with no response.
    - ``rate_limit_rate``: share answered 429 with ``Retry-After: retry_after``,
      written as whole seconds or as an HTTP date (``retry_after_form``).
    - ``stall_rate``: share that send nothing for ``stall_seconds`` and then
      answer normally, long enough for a client's timeout to fire first.
    - ``requests_per_second`` and ``burst``: a token bucket per credential;
      a request finding it empty gets 429 with ``Retry-After`` set to the
      seconds (rounded up) until its next free slot. ``burst`` defaults to
      ``requests_per_second`` rounded up.

    Faults strike before the request reaches the platform, so a faulted
    request never changes state. Every route is subject to faults, the public
    OIDC discovery documents included.
    """

    latency: float = attrs.field(default=0.0, validator=_non_negative)
    error_rate: float = attrs.field(default=0.0, validator=_rate)
    reset_rate: float = attrs.field(default=0.0, validator=_rate)
    rate_limit_rate: float = attrs.field(default=0.0, validator=_rate)
    retry_after: int = attrs.field(default=1, validator=_positive_int)
    retry_after_form: RetryAfterForm = attrs.field(default="seconds", validator=_form)
    stall_rate: float = attrs.field(default=0.0, validator=_rate)
    stall_seconds: float = attrs.field(default=60.0, validator=_non_negative)
    requests_per_second: float | None = attrs.field(default=None, validator=_requests_per_second)
    burst: int | None = attrs.field(default=None, validator=_burst)
    seed: int = attrs.field(default=0)

    def __attrs_post_init__(self) -> None:
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise ValueError(f"Faults.seed must be an integer, got {self.seed!r}")
        total = self.error_rate + self.reset_rate + self.rate_limit_rate + self.stall_rate
        if total > 1.0 + 1e-9:
            raise ValueError(
                "Faults rates (error_rate + reset_rate + rate_limit_rate + stall_rate) "
                f"must add up to at most 1.0, got {total:g}"
            )

    @property
    def bucket_size(self) -> int:
        """The token bucket's capacity: ``burst``, else ``requests_per_second`` rounded up."""
        if self.burst is not None:
            return self.burst
        return max(1, math.ceil(self.requests_per_second or 1))


FaultKind = Literal["error", "html_error", "reset", "rate_limit", "stall", "throttle"]


@attrs.frozen
class Decision:
    """The fault chosen for one request: ``kind`` None means none."""

    kind: FaultKind | None = None
    status: int = 0
    retry_after: float = 0.0


class _TokenBucket:
    def __init__(self, rate: float, capacity: int, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = float(capacity)
        self.updated = now

    def take(self, now: float) -> float:
        """Take one token; return 0.0 on success, else the seconds until the next token."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


_ERROR_CHOICES: tuple[tuple[FaultKind, int], ...] = (
    ("error", 500),
    ("error", 502),
    ("error", 503),
    ("html_error", 502),
)


class FaultInjector:
    """Decide each request's fault from the ``Faults`` in force."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._rng = random.Random(faults.seed)
        self._buckets: dict[str, _TokenBucket] = {}

    def decide(self, credential: str, now: float) -> Decision:
        """Return the fault for the next request made with ``credential`` at ``now``.

        Draws exactly two random numbers per request whatever the outcome, so
        that one request's fault never shifts the faults of later requests.
        """
        faults = self.faults
        draw = self._rng.random()
        pick = self._rng.randrange(len(_ERROR_CHOICES))

        if faults.requests_per_second is not None:
            bucket = self._buckets.get(credential)
            if bucket is None:
                bucket = _TokenBucket(faults.requests_per_second, faults.bucket_size, now)
                self._buckets[credential] = bucket
            wait = bucket.take(now)
            if wait > 0:
                return Decision("throttle", 429, wait)

        band = faults.reset_rate
        if draw < band:
            return Decision("reset")
        band += faults.rate_limit_rate
        if draw < band:
            return Decision("rate_limit", 429, float(faults.retry_after))
        band += faults.error_rate
        if draw < band:
            kind, status = _ERROR_CHOICES[pick]
            return Decision(kind, status)
        band += faults.stall_rate
        if draw < band:
            return Decision("stall")
        return Decision()
