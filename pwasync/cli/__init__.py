"""The ``pwasync`` command: a demo of the SDK, the emulator, and calls to a real platform.

Importing ``pwasync`` never imports this package, so the SDK runs without
click and rich installed; they come with the ``cli`` extra.
"""

from __future__ import annotations

from pwasync.cli._app import cli

__all__ = ["cli", "main"]


def main() -> None:
    """Run the ``pwasync`` command with the process arguments."""
    cli(prog_name="pwasync")
