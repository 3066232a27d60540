"""``pwasync emulator``: serve the API 4.x emulator in the foreground."""

from __future__ import annotations

import io
import sys
from typing import TYPE_CHECKING

import click

from pwasync.cli._errors import EXIT_OK, EXIT_USAGE, CommandError
from pwasync.cli._options import FiniteFloatRange, output_options
from pwasync.cli._render import Output
from pwasync.cli._runner import fail, run_command

if TYPE_CHECKING:
    from pwasync.testing import Emulator, Faults

__all__ = ["emulator"]

_RATE = click.FloatRange(min=0.0, max=1.0)
_SECONDS = FiniteFloatRange(min=0, min_open=True)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="Port; 0 picks a free one.",
)
@click.option(
    "--step-seconds",
    type=_SECONDS,
    default=2.0,
    show_default=True,
    help="Seconds per provisioning step and per AI Chat phase.",
)
@click.option(
    "--error-rate",
    type=_RATE,
    default=0.0,
    help="Share of requests that get a 5xx response, 0 to 1.",
)
@click.option("--reset-rate", type=_RATE, default=0.0, help="Share of connections reset, 0 to 1.")
@click.option(
    "--rate-limit-rate",
    type=_RATE,
    default=0.0,
    help="Share of requests that get a 429 response, 0 to 1.",
)
@click.option(
    "--requests-per-second",
    type=_SECONDS,
    help="Token-bucket rate limit per credential, in requests per second.",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed of ids, keys and faults."
)
@click.option(
    "--cluster",
    "clusters",
    multiple=True,
    metavar="NAME",
    help="Register a cluster session NAME and print its infraId; repeatable. "
    "Its steps come from PATCH updates, as a provisioning agent sends them.",
)
@click.option(
    "--run",
    "runs",
    multiple=True,
    metavar="NAME[@STEP]",
    help="Start a simulated provisioning run of cluster NAME and print its infraId; "
    "with @STEP the run fails at that step. Repeatable.",
)
@click.option(
    "--ai-chat",
    "ai_chats",
    multiple=True,
    metavar="NAME",
    help="Create AI Chat NAME in the user's namespace with bucket NAME-docs attached; "
    "it provisions, then ingests, in one --step-seconds each. Repeatable.",
)
@output_options
def emulator(
    *,
    host: str,
    port: int,
    step_seconds: float,
    error_rate: float,
    reset_rate: float,
    rate_limit_rate: float,
    requests_per_second: float | None,
    seed: int,
    clusters: tuple[str, ...],
    runs: tuple[str, ...],
    ai_chats: tuple[str, ...],
    json_mode: bool,
    debug: bool,
) -> None:
    """Serve a Parallel Works API 4.x emulator until Ctrl-C.

    Prints 'url: URL' and 'api_key: KEY', the key of a platform admin that is
    valid only on this emulator. Then come 'org:', 'user:', 'cluster: NAME
    INFRA_ID', 'run: NAME INFRA_ID' and 'ai_chat: NAME' lines, or with --json
    one JSON object with the same facts. Point the other commands at it with
    --base-url URL and PW_API_KEY=KEY.
    """
    from pwasync.testing import Faults

    out = Output(json_mode=json_mode)
    try:
        faults = Faults(
            error_rate=error_rate,
            reset_rate=reset_rate,
            rate_limit_rate=rate_limit_rate,
            requests_per_second=requests_per_second,
            seed=seed,
        )
    except ValueError as error:
        fail(f"invalid fault options: {error}", exit_code=EXIT_USAGE)
    planned = _parse_runs(runs, clusters)
    _check_ai_chats(ai_chats)

    async def main() -> int:
        try:
            await _serve(
                out,
                host=host,
                port=port,
                step_seconds=step_seconds,
                seed=seed,
                faults=faults,
                clusters=clusters,
                runs=planned,
                ai_chats=ai_chats,
            )
        except OSError as error:
            raise CommandError(
                f"could not listen on {host}:{port} ({error}); pick another --port or --host"
            ) from None
        return EXIT_OK

    run_command(main, resource=f"the emulator on {host}:{port}", base_url="", debug=debug)


def _parse_runs(specs: tuple[str, ...], clusters: tuple[str, ...]) -> list[tuple[str, str | None]]:
    from pwasync.testing import DEFAULT_STEPS

    planned: list[tuple[str, str | None]] = []
    seen = set(clusters)
    if len(seen) != len(clusters):
        fail("invalid --cluster: each cluster name may be given once", exit_code=EXIT_USAGE)
    for spec in specs:
        name, _, step = spec.partition("@")
        if not name.strip():
            fail(
                f"invalid --run {spec!r}: start with a cluster name, such as --run demo",
                exit_code=EXIT_USAGE,
            )
        if name in seen:
            fail(f"invalid --run {spec!r}: cluster {name!r} is already given", exit_code=EXIT_USAGE)
        if step and step not in DEFAULT_STEPS:
            fail(
                f"invalid --run {spec!r}: unknown step {step!r}; "
                f"choose one of {', '.join(DEFAULT_STEPS)}",
                exit_code=EXIT_USAGE,
            )
        seen.add(name)
        planned.append((name, step or None))
    return planned


def _check_ai_chats(names: tuple[str, ...]) -> None:
    from pwasync.testing._ops_ai_chats import CHAT_NAME

    if len(set(names)) != len(names):
        fail("invalid --ai-chat: each AI Chat name may be given once", exit_code=EXIT_USAGE)
    for name in names:
        if not CHAT_NAME.match(name):
            fail(
                f"invalid --ai-chat {name!r}: use 1 to 63 letters, digits, '.', '_' or '-', "
                "starting with a letter or digit",
                exit_code=EXIT_USAGE,
            )


async def _serve(
    out: Output,
    *,
    host: str,
    port: int,
    step_seconds: float,
    seed: int,
    faults: Faults,
    clusters: tuple[str, ...],
    runs: list[tuple[str, str | None]],
    ai_chats: tuple[str, ...],
) -> None:
    from pwasync.testing import serve

    def on_ready(emu: Emulator) -> None:
        registered = {name: emu.add_cluster_session(emu.org, emu.user, name) for name in clusters}
        started = {
            name: emu.start_provisioning(emu.org, emu.user, name, fail_at=fail_at)
            for name, fail_at in runs
        }
        for name in ai_chats:
            emu.add_ai_chat(emu.org, emu.user, name, bucket_id=f"{name}-docs")
        _announce(out, emu, registered, started, ai_chats)

    # serve() writes the url and api_key lines itself; JSON mode prints one object instead.
    await serve(
        host=host,
        port=port,
        step_seconds=step_seconds,
        seed=seed,
        faults=faults,
        output=io.StringIO() if out.json_mode else sys.stdout,
        on_ready=on_ready,
    )
    if not out.json_mode:
        out.notice("emulator stopped")


def _announce(
    out: Output,
    emu: Emulator,
    clusters: dict[str, str],
    runs: dict[str, str],
    ai_chats: tuple[str, ...],
) -> None:
    if out.json_mode:
        out.record(
            {
                "url": emu.url,
                "api_key": emu.api_key,
                "org": emu.org,
                "user": emu.user,
                "clusters": clusters,
                "runs": runs,
                "ai_chats": list(ai_chats),
            }
        )
    else:
        out.line(f"org: {emu.org}")
        out.line(f"user: {emu.user}")
        for name, infra_id in clusters.items():
            out.line(f"cluster: {name} {infra_id}")
        for name, infra_id in runs.items():
            out.line(f"run: {name} {infra_id}")
        for name in ai_chats:
            out.line(f"ai_chat: {name}")
        out.notice(
            f"Use it with: export PW_API_KEY=<api_key above>; pwasync whoami --base-url {emu.url}"
        )
        out.notice("Press Ctrl-C to stop.")
    sys.stdout.flush()
