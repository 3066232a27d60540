"""Import time: the time ``import pwasync`` takes against ``import aiohttp`` alone.

Each sample is a fresh interpreter that times the import statement with
``time.perf_counter``, so interpreter start-up is excluded. The two imports
alternate, and one warm-up run of each fills the bytecode caches first. A
``python -X importtime`` run then attributes the difference to the
top-level packages that pwasync imports beyond aiohttp.
"""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict

from benchmarks._harness import REPOSITORY, median, rotated
from benchmarks._report import Check, Figure, Table

TITLE = "Import time: `import pwasync` against `import aiohttp`"
MODULES = ("pwasync", "aiohttp")
TARGET_MS = 150.0

_TIMER = "import time; s = time.perf_counter(); import {module}; print(time.perf_counter() - s)"


def _import_seconds(module: str) -> float:
    output = subprocess.run(
        [sys.executable, "-c", _TIMER.format(module=module)],
        cwd=REPOSITORY,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(output)


def _self_times_by_package(module: str) -> dict[str, float]:
    """Return the self time in milliseconds of every top-level package ``module`` imports."""
    stderr = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        cwd=REPOSITORY,
        check=True,
        capture_output=True,
        text=True,
    ).stderr
    totals: dict[str, float] = defaultdict(float)
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        totals[name.split(".")[0]] += int(self_us) / 1000
    return totals


def _attribution() -> str:
    """Describe which packages pwasync imports beyond aiohttp, and what each costs."""
    baseline = _self_times_by_package("aiohttp")
    pwasync = _self_times_by_package("pwasync")
    extra = {name: ms for name, ms in pwasync.items() if name not in baseline}
    ranked = sorted(extra.items(), key=lambda item: item[1], reverse=True)
    listed = ", ".join(f"{name} {ms:.1f} ms" for name, ms in ranked[:8])
    return (
        "Packages that `import pwasync` loads beyond `import aiohttp`, by self time in one "
        f"`python -X importtime` run (which inflates times somewhat): {listed}."
    )


def run(*, quick: bool) -> Figure:
    """Measure the import-time figure; ``quick`` takes fewer samples."""
    rounds = 3 if quick else 15
    for module in MODULES:
        _import_seconds(module)

    samples: dict[str, list[float]] = {module: [] for module in MODULES}
    for round_number in range(rounds):
        for module in rotated(list(MODULES), round_number):
            samples[module].append(_import_seconds(module) * 1000)

    pairs = zip(samples["pwasync"], samples["aiohttp"], strict=True)
    extra = median([ours - theirs for ours, theirs in pairs])
    rows = [
        (f"`import {module}`", f"{median(values):.1f}", f"{min(values):.1f}", f"{max(values):.1f}")
        for module, values in samples.items()
    ]
    rows.append(("pwasync minus aiohttp (median of per-round differences)", f"{extra:.1f}", "", ""))
    table = Table(headers=("import", "milliseconds (median)", "min", "max"), rows=tuple(rows))
    return Figure(
        title=TITLE,
        setup=(
            f"{rounds} fresh Python processes per import, alternating, each timing only its "
            "import statement with `time.perf_counter`."
        ),
        tables=(table,),
        checks=(
            Check(
                name="extra import time of pwasync over aiohttp",
                measured=extra,
                threshold=TARGET_MS,
                unit=" ms",
                higher_is_better=False,
            ),
        ),
        findings=(_attribution(),),
    )
