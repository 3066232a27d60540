"""Decoding: converting a 1,000-step provision status response into models.

Each contender converts the same lists of step records, parsed with
``json.loads`` beforehand: pwasync with its converter into a
``ProvisionSnapshot`` (the conversion ``provision_status.get`` performs), the
official client with ``ProvisionStatusResponseRecord.from_dict`` per record
(the conversion of its ``get_organization_provision_status_by_infra_id``).

pwasync caches parsed timestamps, because watchers fetch the same steps
again and again. The main comparison therefore cycles through bodies whose
time strings are all new to the cache, and a second pwasync row repeats one
body, as a watcher polling an unchanged run does. Two diagnostic rows repeat
the main comparison with the garbage collector off, to show its share.
Contenders alternate round by round and the ratio is taken per round.
"""

from __future__ import annotations

import gc
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

from benchmarks import _official, _pwasync
from benchmarks._harness import median, rotated
from benchmarks._payloads import PROVISION_STEP_COUNT, provision_status_body
from benchmarks._report import Figure, Table

TITLE = "Decoding: a 1,000-step provision status into models"
PWASYNC = "pwasync converter, new timestamps"
PWASYNC_REPEATED = "pwasync converter, the same body again"
OFFICIAL = "official client `ProvisionStatusResponseRecord.from_dict`"
PARSE = "`json.loads` of the body (not part of the conversion)"
PWASYNC_NO_GC = "diagnostic: pwasync converter, new timestamps, garbage collector off"
OFFICIAL_NO_GC = "diagnostic: official client, garbage collector off"

# Five bodies of 2,400 distinct time strings each, 12,000 in all: more than the
# 4,096 entries of pwasync's time cache (its size when this was written), so
# cycling through them converts every time string afresh.
VARIANTS = 5

Records = list[dict[str, Any]]


def _time_per_step(convert: Callable[[Records], object], bodies: list[Records]) -> float:
    # Every timed block starts with empty young generations, so that each
    # contender pays for the collections its own allocations trigger.
    gc.collect()
    started = time.perf_counter()
    for records in bodies:
        convert(records)
    return (time.perf_counter() - started) / len(bodies) / PROVISION_STEP_COUNT


def _without_gc(measure: Callable[[], float]) -> Callable[[], float]:
    def measure_without_gc() -> float:
        gc.disable()
        try:
            return measure()
        finally:
            gc.enable()

    return measure_without_gc


def _check(bodies: list[Records]) -> None:
    snapshot = _pwasync.decode_provision_steps(bodies[0])
    if len(snapshot.steps) != PROVISION_STEP_COUNT:
        raise RuntimeError(f"pwasync decoded {len(snapshot.steps)} of {PROVISION_STEP_COUNT} steps")
    if _official.available():
        count = len(_official.decode_provision_steps(bodies[0]))
        if count != PROVISION_STEP_COUNT:
            raise RuntimeError(
                f"the official client decoded {count} of {PROVISION_STEP_COUNT} steps"
            )


def _measure(rounds: int, repeats: int) -> dict[str, list[float]]:
    """Return microseconds per step for every contender, one sample per round."""
    raw_bodies = [provision_status_body(variant=variant) for variant in range(VARIANTS)]
    bodies: list[Records] = [json.loads(body) for body in raw_bodies]
    _check(bodies)
    cycle = itertools.cycle(range(VARIANTS))

    def next_bodies() -> list[Records]:
        return [bodies[next(cycle)] for _ in range(repeats)]

    def parse(records: Records) -> object:
        return json.loads(raw_bodies[0])

    contenders: dict[str, Callable[[], float]] = {
        PWASYNC: lambda: _time_per_step(_pwasync.decode_provision_steps, next_bodies()),
        PWASYNC_REPEATED: lambda: _time_per_step(
            _pwasync.decode_provision_steps, [bodies[0]] * repeats
        ),
        PARSE: lambda: _time_per_step(parse, [bodies[0]] * repeats),
    }
    contenders[PWASYNC_NO_GC] = _without_gc(contenders[PWASYNC])
    if _official.available():
        contenders[OFFICIAL] = lambda: _time_per_step(
            _official.decode_provision_steps, next_bodies()
        )
        contenders[OFFICIAL_NO_GC] = _without_gc(contenders[OFFICIAL])

    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for round_number in range(rounds):
        for name in rotated(list(contenders), round_number):
            samples[name].append(contenders[name]() * 1e6)
    return samples


def _round_ratio(samples: dict[str, list[float]], numerator: str, denominator: str) -> float:
    pairs = zip(samples[numerator], samples[denominator], strict=True)
    return median([top / bottom for top, bottom in pairs])


def _collector_findings(samples: dict[str, list[float]]) -> list[str]:
    """Describe the share of each contender's time that the garbage collector takes."""
    findings = []
    for name, without in ((PWASYNC, PWASYNC_NO_GC), (OFFICIAL, OFFICIAL_NO_GC)):
        if name in samples:
            with_gc, without_gc = median(samples[name]), median(samples[without])
            share = max(0.0, 1 - without_gc / with_gc)
            findings.append(
                f"{name}: {with_gc:.1f} µs per step with the garbage collector on and "
                f"{without_gc:.1f} µs with it off: collections take about {share:.0%} of the "
                "conversion here. CPython collects after a set number of net container "
                "allocations (`gc.get_threshold()`), and a full collection walks every object "
                "in the process, so this share grows with the application's heap."
            )
    return findings


def run(*, quick: bool) -> Figure:
    """Measure the decoding figure; ``quick`` takes fewer rounds."""
    rounds, repeats = (2, 2) if quick else (15, 10)
    samples = _measure(rounds, repeats)

    rows = [
        (name, f"{median(values):.1f}", f"{median(values) * PROVISION_STEP_COUNT / 1000:.1f}")
        for name, values in samples.items()
    ]
    findings: list[str] = []
    if OFFICIAL in samples:
        cold = _round_ratio(samples, OFFICIAL, PWASYNC)
        warm = _round_ratio(samples, OFFICIAL, PWASYNC_REPEATED)
        rows.append(("official time / pwasync time, new timestamps", f"{cold:.2f}x", ""))
        rows.append(("official time / pwasync time, the same body again", f"{warm:.2f}x", ""))
        findings.append(
            f"No target is set for this figure. The official client takes {cold:.2f} times "
            f"as long as pwasync per step on new timestamps, and {warm:.2f} times as long "
            "when pwasync sees the same body again (ratios are medians of per-round ratios)."
        )
    else:
        findings.append(f"The official client was not measured: {_official.INSTALL_HINT}.")
    findings.extend(_collector_findings(samples))
    findings.append(
        "Beyond building instances, pwasync checks the JSON type of every value and maps "
        "status strings to an enum and `null` lists to empty tuples, while the official "
        "client passes most values through unchecked."
    )
    size = len(provision_status_body())
    return Figure(
        title=TITLE,
        setup=(
            f"{PROVISION_STEP_COUNT:,} step records ({size:,} bytes of JSON; every step has two "
            "attributes and logs, every tenth has two children), converted "
            f"{repeats} times per round, {rounds} rounds in rotating order. Times are "
            "wall-clock with the garbage collector on, as in an application."
        ),
        tables=(
            Table(
                headers=("contender", "µs per step (median)", "ms per 1,000 steps"),
                rows=tuple(rows),
            ),
        ),
        findings=tuple(findings),
    )
