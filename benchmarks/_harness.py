"""Shared measuring tools: the machine's description, medians, rotation, child servers."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import attrs

T = TypeVar("T")

REPOSITORY = Path(__file__).resolve().parent.parent


@attrs.frozen(kw_only=True)
class Machine:
    """The hardware and software a run measured on."""

    cpu_model: str
    cores: int
    system: str
    python: str
    load_average: tuple[float, float, float] | None

    @classmethod
    def describe(cls) -> Machine:
        """Describe the current machine and its load at this moment."""
        load = os.getloadavg() if hasattr(os, "getloadavg") else None
        return cls(
            cpu_model=_cpu_model(),
            cores=os.cpu_count() or 1,
            system=platform.platform(),
            python=f"{platform.python_implementation()} {platform.python_version()}",
            load_average=load,
        )


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    return platform.processor() or platform.machine() or "unknown"


def median(values: Sequence[float]) -> float:
    """Return the median of ``values``, which must not be empty."""
    if not values:
        raise ValueError("median of no samples: the measurement produced no values")
    return statistics.median(values)


def rotated(items: Sequence[T], round_number: int) -> list[T]:
    """Return ``items`` rotated by ``round_number``, so each goes first in turn.

    Interleaving contenders this way spreads slow drifts of the machine (other
    processes, thermal changes) evenly over all of them.
    """
    shift = round_number % len(items)
    return [*items[shift:], *items[:shift]]


@attrs.define
class ChildServer:
    """A server process started by ``child_server``: its first output line and a command channel."""

    info: dict[str, Any]
    process: subprocess.Popen[bytes]

    def command(self, text: str) -> dict[str, Any]:
        """Send one command line and return the JSON object the server prints in reply."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(text.encode() + b"\n")
        self.process.stdin.flush()
        reply: dict[str, Any] = json.loads(self.process.stdout.readline())
        return reply


@contextmanager
def child_server(module: str, *arguments: str) -> Iterator[ChildServer]:
    """Run ``python -m module arguments`` and yield it once it printed its first JSON line.

    The child serves until its standard input closes, which this context
    manager does on exit. A child that does not exit within 10 seconds after
    that is killed. Raises ``RuntimeError`` with the child's error output when it exits
    before printing its first line.
    """
    errors = tempfile.TemporaryFile()  # noqa: SIM115 (closed in the finally clause below)
    process = subprocess.Popen(
        [sys.executable, "-m", module, *arguments],
        cwd=REPOSITORY,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=errors,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    try:
        line = process.stdout.readline()
        if not line:
            process.wait(timeout=10)
            errors.seek(0)
            output = errors.read().decode(errors="replace")
            raise RuntimeError(
                f"server process {module} exited with status {process.returncode} "
                f"before it started listening:\n{output}"
            )
        yield ChildServer(info=json.loads(line), process=process)
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
        errors.close()
