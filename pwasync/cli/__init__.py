"""The ``pwasync`` command: a demo of the SDK, the emulator, and calls to a real platform.

Importing ``pwasync`` never imports this package, so the SDK runs without
click and rich installed; they come with the ``cli`` extra.
"""

from __future__ import annotations

import sys

__all__ = ["cli", "main"]

# The packages that only the cli extra installs, which the command imports at start.
_CLI_DEPENDENCIES = frozenset({"click", "rich"})

try:
    from pwasync.cli._app import cli
except ModuleNotFoundError as error:
    _missing_dependency: str | None = (error.name or "").partition(".")[0]
    if _missing_dependency not in _CLI_DEPENDENCIES:
        raise
else:
    _missing_dependency = None


def main() -> None:
    """Run the ``pwasync`` command with the process arguments.

    Exits with status 2 and one line naming the install command when click
    or rich is not installed.
    """
    if _missing_dependency is not None:
        sys.stderr.write(
            f"error: the pwasync command needs {_missing_dependency}, which is not installed; "
            "install the command with: pip install 'pwasync[cli]'\n"
        )
        sys.exit(2)
    cli(prog_name="pwasync")
