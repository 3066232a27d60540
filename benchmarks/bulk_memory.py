"""Memory of ``run_many`` over a lazy generator of 100,000 items, traced with tracemalloc.

``run_many`` pulls items from its input only when a worker is free, so the
memory it needs beyond the report it returns should grow by no more than
one pointer per item. This figure measures that, and sets it beside the
common alternative of creating every coroutine up front and bounding them
with a semaphore inside ``asyncio.gather``.

For each contender and size, tracemalloc records the memory still held once
the call has returned (the report or the result list, kept alive on
purpose) and the peak during the call. The difference, peak minus retained,
is the working set of the run itself. For ``gather`` it contains a
coroutine and a task per item. For ``run_many`` it contains ``concurrency``
calls plus one pointer per item: the list that collects outcomes in input
order, which is copied into the report's tuple at the end. The function
called per item is an async no-op that yields once to the event loop, so no
network or server enters the numbers. This figure is about memory, not
speed.

Run it alone with ``python -m benchmarks.bulk_memory`` (``--quick`` for
small sizes); ``run(quick=...)`` returns the figure for RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator

import attrs

from benchmarks._harness import Machine
from benchmarks._report import Check, Figure, Table
from pwasync._bulk import run_many

TITLE = "Bulk memory: `run_many` over a lazy generator"
CONCURRENCY = 50
# The growth of the run's own working set per added item, between the two
# sizes. The list that collects outcomes is one 8-byte pointer per item, and
# it briefly coexists with the report's tuple of the same length, so 16 bytes
# leaves room for the list's over-allocation and nothing per item beyond it.
BYTES_PER_ITEM_LIMIT = 16.0
RUN_MANY = "pwasync `run_many`"
GATHER = "`asyncio.gather` + `Semaphore`"


@attrs.frozen(kw_only=True)
class Sample:
    """Traced memory of one call, in bytes above the baseline before it."""

    retained: int
    peak: int

    @property
    def working_set(self) -> int:
        """Memory the call needed beyond what it returned."""
        return max(0, self.peak - self.retained)


def _items(count: int) -> Iterator[int]:
    yield from range(count)


async def _work(item: int) -> int:
    await asyncio.sleep(0)
    return item


async def _with_run_many(count: int) -> object:
    report = await run_many(_work, _items(count), concurrency=CONCURRENCY)
    report.raise_for_failures()
    return report


async def _with_gather(count: int) -> object:
    limit = asyncio.Semaphore(CONCURRENCY)

    async def limited(item: int) -> int:
        async with limit:
            return await _work(item)

    return await asyncio.gather(*(limited(item) for item in _items(count)))


def _trace(contender: Callable[[int], Awaitable[object]], count: int) -> Sample:
    gc.collect()
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        result = asyncio.run(_run(contender, count))
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - baseline
        peak = tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()
    del result
    return Sample(retained=retained, peak=peak)


async def _run(contender: Callable[[int], Awaitable[object]], count: int) -> object:
    return await contender(count)


def run(*, quick: bool) -> Figure:
    """Measure the figure; ``quick`` uses 1,000 and 10,000 items instead of 10,000 and 100,000."""
    sizes = (1_000, 10_000) if quick else (10_000, 100_000)
    contenders = {RUN_MANY: _with_run_many, GATHER: _with_gather}
    # A warm-up keeps one-time allocations (imports, caches) out of the samples.
    for contender in contenders.values():
        asyncio.run(_run(contender, CONCURRENCY * 4))
    samples = {
        (name, size): _trace(contender, size)
        for size in sizes
        for name, contender in contenders.items()
    }

    rows = tuple(
        (
            name,
            f"{size:,}",
            f"{sample.retained / 1024:,.0f}",
            f"{sample.working_set / 1024:,.0f}",
            f"{sample.working_set / size:,.0f}",
        )
        for (name, size), sample in samples.items()
    )
    small, large = sizes
    per_item = {
        name: (samples[(name, large)].working_set - samples[(name, small)].working_set)
        / (large - small)
        for name in contenders
    }
    return Figure(
        title=TITLE,
        setup=(
            f"Generators of {small:,} and {large:,} items, concurrency {CONCURRENCY}, an async "
            "no-op per item (one event-loop yield), no server. Memory traced by tracemalloc "
            "above the baseline before each call: retained is what the call returned (the "
            "report, or gather's result list), working set is the peak minus retained."
        ),
        tables=(
            Table(
                headers=(
                    "contender",
                    "items",
                    "retained KiB",
                    "working set KiB",
                    "working set bytes/item",
                ),
                rows=rows,
            ),
        ),
        checks=(
            Check(
                name=f"`run_many` working set growth per item, {small:,} to {large:,} items",
                measured=per_item[RUN_MANY],
                threshold=BYTES_PER_ITEM_LIMIT,
                unit=" bytes",
                higher_is_better=False,
            ),
        ),
        findings=(
            f"Each added item grew the working set of `gather` by {per_item[GATHER]:,.0f} "
            f"bytes and that of `run_many` by {per_item[RUN_MANY]:,.1f} bytes.",
        ),
    )


def main() -> None:
    """Print the figure as Markdown, with the machine and the command."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bulk_memory")
    parser.add_argument("--quick", action="store_true", help="use 1,000 and 10,000 items")
    options = parser.parse_args()
    machine = Machine.describe()
    started = time.perf_counter()
    figure = run(quick=options.quick)
    figure = attrs.evolve(figure, seconds=time.perf_counter() - started)
    command = "python -m benchmarks.bulk_memory" + (" --quick" if options.quick else "")
    print(f"Command: `{command}`")
    print(f"Machine: {machine.cpu_model}, {machine.cores} cores, {machine.python}\n")
    print(figure.render(1))


if __name__ == "__main__":
    main()
