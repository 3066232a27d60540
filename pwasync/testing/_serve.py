"""Run an emulator in the foreground until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TextIO

from pwasync.testing._emulator import Emulator
from pwasync.testing._faults import Faults
from pwasync.testing._state import DEFAULT_STEP_SECONDS

__all__ = ["main", "serve"]


async def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    step_seconds: float = DEFAULT_STEP_SECONDS,
    seed: int = 0,
    faults: Faults | None = None,
    routes: Mapping[str, str] | None = None,
    wrap_responses: bool = True,
    output: TextIO | None = None,
    stop: asyncio.Event | None = None,
    on_ready: Callable[[Emulator], object] | None = None,
) -> None:
    """Serve an emulator until SIGINT or SIGTERM arrives, or ``stop`` is set.

    Once it listens, writes two lines to ``output`` (default: standard output)
    and flushes them: ``url: <base URL>`` and ``api_key: <admin API key>``,
    then calls ``on_ready`` with the running emulator. Returns normally after
    a clean shutdown.
    """
    output = output or sys.stdout
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, stop.set)
            installed.append(signum)
        except (NotImplementedError, RuntimeError):
            # Windows event loops and non-main threads have no signal handlers;
            # there Ctrl-C arrives as KeyboardInterrupt instead.
            pass
    try:
        async with Emulator(
            host=host,
            port=port,
            step_seconds=step_seconds,
            seed=seed,
            faults=faults,
            routes=routes,
            wrap_responses=wrap_responses,
        ) as emulator:
            print(f"url: {emulator.url}", file=output, flush=True)
            print(f"api_key: {emulator.api_key}", file=output, flush=True)
            if on_ready is not None:
                on_ready(emulator)
            await stop.wait()
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pwasync.testing",
        description="Serve a Parallel Works API 4.x emulator until SIGINT or SIGTERM.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: %(default)s)"
    )
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one")
    parser.add_argument(
        "--step-seconds",
        type=float,
        default=DEFAULT_STEP_SECONDS,
        help="seconds per provisioning step and AI Chat phase (default: %(default)s)",
    )

    parser.add_argument("--seed", type=int, default=0, help="seed of ids, keys and faults")
    parser.add_argument(
        "--flat", action="store_true", help="send flat objects instead of wrapped ones"
    )

    faults = parser.add_argument_group("fault injection")
    faults.add_argument("--latency", type=float, default=0.0, help="seconds added to every request")
    for name in ("error-rate", "reset-rate", "rate-limit-rate", "stall-rate"):
        faults.add_argument(f"--{name}", type=float, default=0.0, help="probability, 0.0 to 1.0")
    faults.add_argument("--retry-after", type=int, default=1, help="seconds sent with 429 and 503")
    faults.add_argument(
        "--retry-after-form",
        choices=["seconds", "http-date"],
        default="seconds",
        help="how Retry-After is written (default: %(default)s)",
    )
    faults.add_argument("--stall-seconds", type=float, default=60.0, help="length of a stall")
    faults.add_argument(
        "--requests-per-second", type=float, default=None, help="token bucket rate per credential"
    )
    faults.add_argument("--burst", type=int, default=None, help="token bucket capacity")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, serve until interrupted, and return the exit status."""
    parser = _parser()
    options = parser.parse_args(argv)
    try:
        faults = Faults(
            latency=options.latency,
            error_rate=options.error_rate,
            reset_rate=options.reset_rate,
            rate_limit_rate=options.rate_limit_rate,
            retry_after=options.retry_after,
            retry_after_form=options.retry_after_form,
            stall_rate=options.stall_rate,
            stall_seconds=options.stall_seconds,
            requests_per_second=options.requests_per_second,
            burst=options.burst,
            seed=options.seed,
        )
    except ValueError as error:
        parser.error(str(error))
    # Without signal handlers (on Windows) Ctrl-C ends the run as KeyboardInterrupt.
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            serve(
                host=options.host,
                port=options.port,
                step_seconds=options.step_seconds,
                seed=options.seed,
                faults=faults,
                wrap_responses=not options.flat,
            )
        )
    return 0
