"""Run the benchmarks and write RESULTS.md: ``python -m benchmarks [options]``."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

import attrs

from benchmarks import bulk, bulk_memory, call_overhead, decoding, import_time, watchers
from benchmarks._harness import Machine
from benchmarks._report import Figure, render_results

FIGURES: dict[str, ModuleType] = {
    "call_overhead": call_overhead,
    "decoding": decoding,
    "watchers": watchers,
    "bulk": bulk,
    "bulk_memory": bulk_memory,
    "import_time": import_time,
}
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def _parse(arguments: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=(
            "Measure pwasync against raw aiohttp and the official client. A full run of "
            "every figure rewrites benchmarks/RESULTS.md; --quick or --only print the "
            "results instead unless --output is given."
        ),
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="use small sizes and short rounds: a smoke test, not a measurement",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted(FIGURES),
        help="run only this figure (repeatable)",
    )
    parser.add_argument("--output", type=Path, help="write the Markdown report to this file")
    parser.add_argument(
        "--command",
        default=None,
        help="the command recorded in the report (default: this command line)",
    )
    return parser.parse_args(arguments)


def _run_figure(name: str, run: Callable[..., Figure], *, quick: bool) -> Figure:
    print(f"benchmarks: running {name}", file=sys.stderr, flush=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    started = time.perf_counter()
    try:
        figure = run(quick=quick)
    except Exception as error:
        traceback.print_exc()
        module = FIGURES[name]
        figure = Figure(
            title=module.TITLE,
            setup=module.__doc__.split("\n\n", 1)[-1].strip() if module.__doc__ else "",
            error=f"the benchmark failed with {type(error).__name__}: {error}",
        )
    seconds = time.perf_counter() - started
    print(f"benchmarks: {name} took {seconds:.1f} s", file=sys.stderr, flush=True)
    return attrs.evolve(figure, seconds=seconds, load_average=load)


def main(arguments: Sequence[str]) -> int:
    """Run the selected figures, write or print the report, and return the exit status.

    The status is 1 when a figure failed to run; a missed target is reported in
    the results and does not change the status.
    """
    options = _parse(arguments)
    names = options.only or list(FIGURES)
    command = options.command or shlex.join(["python", "-m", "benchmarks", *arguments])
    machine = Machine.describe()

    started = time.perf_counter()
    figures = [_run_figure(name, FIGURES[name].run, quick=options.quick) for name in names]
    report = render_results(
        machine=machine, command=command, figures=figures, seconds=time.perf_counter() - started
    )

    output = options.output
    if output is None and not options.quick and not options.only:
        output = RESULTS
    if output is None:
        print(report)
    else:
        output.write_text(report)
        print(f"benchmarks: wrote {output}", file=sys.stderr)
    return 1 if any(figure.error is not None for figure in figures) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
