"""Run the pwasync emulator in its own process for the watcher and bulk figures.

``python -m benchmarks._emulator_server [--latency S] [--runs N] [--steps K]
[--step-seconds S]`` starts an emulator on 127.0.0.1, starts ``N``
provisioning runs of ``K`` steps, and prints one JSON line with ``url``,
``api_key``, ``org`` and ``infra_ids``. It then reads commands from standard
input, one a line: ``stats`` prints the request statistics as one JSON line,
``reset`` zeroes them and prints ``{}``, ``cpu`` prints the process's CPU
time in seconds as ``{"cpu_seconds": ...}``. It stops when standard input closes.
Running the emulator in a separate process keeps its CPU time and memory out
of the client's measurements.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

from pwasync.testing import Emulator, Faults


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks._emulator_server")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to responses")
    parser.add_argument("--runs", type=int, default=0, help="provisioning runs to start")
    parser.add_argument("--steps", type=int, default=6, help="steps per provisioning run")
    parser.add_argument("--step-seconds", type=float, default=1.0, help="duration of one step")
    return parser.parse_args()


def _stats(emulator: Emulator) -> dict[str, Any]:
    stats = emulator.stats
    return {
        "requests": stats.requests,
        "max_in_flight": stats.max_in_flight,
        "by_operation": dict(stats.by_operation),
        "by_status": {str(status): count for status, count in stats.by_status.items()},
        "faults": dict(stats.faults),
    }


async def serve(options: argparse.Namespace) -> None:
    """Serve, print the address and run ids, and reply to commands until end of input."""
    loop = asyncio.get_running_loop()
    async with Emulator(faults=Faults(latency=options.latency), seed=1) as emulator:
        steps = [f"step_{number}" for number in range(options.steps)]
        infra_ids = [
            emulator.start_provisioning(
                emulator.org,
                emulator.user,
                f"cluster-{number}",
                steps=steps,
                step_seconds=options.step_seconds,
            )
            for number in range(options.runs)
        ]
        started = {
            "url": emulator.url,
            "api_key": emulator.api_key,
            "org": emulator.org,
            "infra_ids": infra_ids,
        }
        print(json.dumps(started), flush=True)

        while command := (await loop.run_in_executor(None, sys.stdin.readline)).strip():
            if command == "stats":
                print(json.dumps(_stats(emulator)), flush=True)
            elif command == "cpu":
                print(json.dumps({"cpu_seconds": time.process_time()}), flush=True)
            elif command == "reset":
                emulator.reset_stats()
                print("{}", flush=True)
            else:
                print(json.dumps({"error": f"unknown command {command!r}"}), flush=True)


if __name__ == "__main__":
    asyncio.run(serve(_parse()))
