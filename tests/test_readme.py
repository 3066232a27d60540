"""Every code block of README.md runs, against the emulator, as the README presents it.

Python blocks come in three forms: complete programs (they call ``anyio.run``)
run as a subprocess; pytest modules (they define ``test_`` functions) run
under pytest in a subprocess; the tour's snippets use top-level ``await`` and
run in this process against a fresh emulator, with the names the README says
they assume. Console blocks name ``pwasync`` commands and package extras that
must exist. Every Python block also passes ``mypy --strict`` as written, which
needs mypy installed; ``nox -s typecheck`` runs that test.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import io
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner

from pwasync import Client
from pwasync.cli import cli
from pwasync.testing import Emulator

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
# Subprocess blocks finish in a few seconds; the limit only stops a hang.
BLOCK_TIMEOUT = 60.0


@attrs.frozen
class Block:
    """One fenced code block of the README, with the heading it sits under."""

    language: str
    code: str
    heading: str
    line: int

    @property
    def id(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.heading.lower()).strip("-")
        return f"{slug}-line-{self.line}"


def read_blocks() -> list[Block]:
    """Return the README's fenced code blocks in order."""
    blocks: list[Block] = []
    heading = ""
    language: str | None = None
    start = 0
    lines: list[str] = []
    for number, text in enumerate(README.read_text(encoding="utf-8").splitlines(), start=1):
        if language is None and text.startswith("#"):
            heading = text.lstrip("#").strip()
        elif language is None and text.startswith("```"):
            language, start, lines = text[3:].strip(), number, []
        elif language is not None and text.startswith("```"):
            blocks.append(Block(language, "\n".join(lines) + "\n", heading, start))
            language = None
        elif language is not None:
            lines.append(text)
    return blocks


BLOCKS = read_blocks()
PYTHON = [block for block in BLOCKS if block.language == "python"]
CONSOLE = [block for block in BLOCKS if block.language == "console"]
PROGRAMS = [block for block in PYTHON if "anyio.run(" in block.code]
TEST_MODULES = [
    block for block in PYTHON if re.search(r"^async def test_|^def test_", block.code, re.M)
]
SNIPPETS = [block for block in PYTHON if block not in PROGRAMS and block not in TEST_MODULES]
# The names that the tour's snippets assume, as the README introduces them.
SNIPPET_NAMES = """\
from pwasync import Client

pw: Client
org: str
user: str
infra_id: str
infra_ids: list[str]
"""


def test_readme_has_each_kind_of_block() -> None:
    """The README shows a program, a pytest module, tour snippets and console commands."""
    assert PROGRAMS
    assert TEST_MODULES
    assert len(SNIPPETS) >= 5
    assert CONSOLE


def test_quickstart_keeps_both_setup_paths() -> None:
    """The quickstart gives the demo and the test suite as their one-line set-ups."""
    quickstart = [block.code for block in CONSOLE if block.heading == "Quickstart"]

    assert quickstart == [
        "python -m venv .venv && . .venv/bin/activate\npip install '.[cli]' && pwasync demo\n",
        "pip install nox && nox\n",
    ]


@pytest.mark.parametrize("block", PROGRAMS, ids=[block.id for block in PROGRAMS])
def test_program_runs(block: Block, tmp_path: Path) -> None:
    """A complete program from the README runs to the end with exit status 0."""
    result = subprocess.run(
        [sys.executable, "-c", block.code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=BLOCK_TIMEOUT,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "outcome: succeeded" in result.stdout


@pytest.mark.parametrize("block", TEST_MODULES, ids=[block.id for block in TEST_MODULES])
def test_pytest_module_passes(block: Block, tmp_path: Path) -> None:
    """A test module from the README passes under pytest with the pwasync plugin."""
    module = tmp_path / "test_from_readme.py"
    module.write_text(block.code, encoding="utf-8")

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(module)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=BLOCK_TIMEOUT,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


@pytest.mark.anyio
@pytest.mark.parametrize("block", SNIPPETS, ids=[block.id for block in SNIPPETS])
async def test_snippet_runs(block: Block, monkeypatch: pytest.MonkeyPatch) -> None:
    """A tour snippet runs against the emulator, given the names that the README lists."""
    code = compile(block.code, f"README.md:{block.line}", "exec", ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)

    async with Emulator(step_seconds=0.05) as emulator:
        monkeypatch.setenv("PW_API_KEY", emulator.api_key)
        monkeypatch.setenv("PW_BASE_URL", emulator.url)
        monkeypatch.delenv("PW_TOKEN", raising=False)
        async with Client(api_key=emulator.api_key, base_url=emulator.url) as pw:
            names = await _finished_runs(emulator, pw)
            namespace: dict[str, Any] = {"pw": pw, **names}
            with contextlib.redirect_stdout(io.StringIO()) as printed:
                # The README's own code, compiled above from the file in this repository.
                result = eval(code, namespace)
                if result is not None:
                    await result

    assert printed.getvalue() or "print(" not in block.code


async def _finished_runs(emulator: Emulator, pw: Client) -> dict[str, Any]:
    """Start three provisioning runs, wait until they end, and return the snippets' names."""
    org, user = emulator.org, emulator.user
    infra_ids = [emulator.start_provisioning(org, user, f"readme-{number}") for number in range(3)]
    for infra_id in infra_ids:
        await pw.provision_status.wait(org, infra_id, interval=0.05)
    return {"org": org, "user": user, "infra_id": infra_ids[0], "infra_ids": infra_ids}


def _pwasync_commands(block: Block) -> list[list[str]]:
    """Return the argument lists of the `pwasync` commands in a console block."""
    commands: list[list[str]] = []
    for line in block.code.splitlines():
        for part in line.removeprefix("$ ").split("#")[0].split("&&"):
            words = shlex.split(part)
            if words and words[0] == "pwasync":
                commands.append(words[1:])
    return commands


@pytest.mark.parametrize("block", CONSOLE, ids=[block.id for block in CONSOLE])
def test_console_commands_exist(block: Block) -> None:
    """Every `pwasync` command in a console block exists and accepts its options."""
    runner = CliRunner()

    for arguments in _pwasync_commands(block):
        # click parses every option before it acts on --help, so an unknown
        # command or option still fails here.
        result = runner.invoke(cli, [*arguments, "--help"])

        assert result.exit_code == 0, f"pwasync {shlex.join(arguments)}: {result.output}"
        assert result.output.startswith("Usage: ")


@pytest.mark.parametrize("block", CONSOLE, ids=[block.id for block in CONSOLE])
def test_console_extras_exist(block: Block) -> None:
    """Every `pip install '.[extra]'` in a console block names an extra of pyproject.toml."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = pyproject.split("[project.optional-dependencies]", 1)[1].split("\n[", 1)[0]
    declared = set(re.findall(r"^([a-z]+) = \[", section, re.M))

    for extra in re.findall(r"'\.\[([a-z]+)\]'", block.code):
        assert extra in declared


def _typed_module(block: Block) -> str:
    """Return a block as a module whose line numbers are the README's line numbers.

    A snippet becomes the body of an async function, after the names it
    assumes, because mypy rejects ``async with`` outside one.
    """
    lines = block.code.splitlines()
    if block in SNIPPETS:
        header = SNIPPET_NAMES.splitlines()
        padding = [""] * (block.line - 1 - len(header))
        body = [f"    {line}" if line else "" for line in lines]
        return "\n".join([*header, *padding, "async def snippet() -> None:", *body]) + "\n"
    return "\n".join([*[""] * block.line, *lines]) + "\n"


@pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None,
    reason="mypy is not installed; nox -s typecheck runs this test",
)
def test_python_blocks_type_check(tmp_path: Path) -> None:
    """Every Python block of the README passes mypy --strict as a user would copy it."""
    paths = []
    for block in PYTHON:
        path = tmp_path / f"readme_line_{block.line}.py"
        path.write_text(_typed_module(block), encoding="utf-8")
        paths.append(str(path))

    # From the repository root, pyproject.toml's mypy settings apply (strict, Python 3.10).
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=BLOCK_TIMEOUT,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
