"""The ``pwasync`` command group."""

from __future__ import annotations

import click

from pwasync.cli._commands import ai_chat, images, sessions, whoami
from pwasync.cli._demo import demo
from pwasync.cli._emulator import emulator
from pwasync.cli._provision import provision

__all__ = ["cli"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pwasync", prog_name="pwasync")
def cli() -> None:
    """Work with the Parallel Works API 4.x from the command line.

    Commands that call an API server read the API key from PW_API_KEY (or a
    token from PW_TOKEN) and the server from --base-url, else PW_BASE_URL (a
    URL), else PW_PLATFORM_HOST (a host name), else the host in the key. Try
    'pwasync demo' for a tour against a local emulator.
    """


cli.add_command(demo)
cli.add_command(whoami)
cli.add_command(provision)
cli.add_command(ai_chat)
cli.add_command(sessions)
cli.add_command(images)
cli.add_command(emulator)
