"""Output for the ``pwasync`` command: JSON lines, plain lines and rich tables.

Under ``--json`` every record is one JSON object on its own line, flushed at
once so that a reader can parse a stream line by line. Otherwise text goes
through a rich console, which writes escape codes only to a terminal.
"""

from __future__ import annotations

import datetime
import enum
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

__all__ = ["Output", "jsonable"]

# The width of tables written to a pipe or a file, which has no width to fit:
# wide enough that rich never wraps or cuts a cell.
_PIPED_TABLE_WIDTH = 1_000_000


def jsonable(value: Any) -> Any:
    """Convert models, enums and times into JSON-ready values with snake_case keys."""
    if attrs.has(type(value)):
        return {
            field.name: jsonable(getattr(value, field.name)) for field in attrs.fields(type(value))
        }
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, frozenset, set)):
        return [jsonable(item) for item in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


class Output:
    """The output channels of a command: results on stdout, notices on stderr."""

    def __init__(self, *, json_mode: bool, console: Console | None = None) -> None:
        self.json_mode = json_mode
        self.console = console or Console(highlight=False, soft_wrap=True)
        self.errors = Console(stderr=True, highlight=False, soft_wrap=True)

    @property
    def is_terminal(self) -> bool:
        """Whether stdout is a terminal that can show live rows and colour."""
        return self.console.is_terminal and not self.json_mode

    def record(self, value: Mapping[str, Any]) -> None:
        """Write one JSON object as a line (``--json``)."""
        click.echo(json.dumps(jsonable(value), ensure_ascii=False))

    def line(self, text: str = "") -> None:
        """Write one line of text, taken literally rather than as rich markup."""
        self.console.print(text, markup=False)

    def notice(self, text: str) -> None:
        """Write a line to stderr, keeping stdout for results."""
        self.errors.print(text, markup=False)

    def table(
        self,
        columns: Sequence[str],
        rows: Iterable[Sequence[object]],
        *,
        title: str | None = None,
    ) -> None:
        """Write a table of rows under ``columns``.

        On a terminal, long cells wrap to fit its width. Written to a pipe or
        a file, each row stays on one line with every cell whole.
        """
        table = Table(title=title, title_justify="left")
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*(Text("" if cell is None else str(cell)) for cell in row))
        if self.console.is_terminal:
            self.console.print(table)
            return
        piped = Console(
            file=self.console.file, width=_PIPED_TABLE_WIDTH, highlight=False, soft_wrap=True
        )
        piped.print(table)
