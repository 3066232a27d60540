"""Development sessions: the test suite on every supported Python, lint, types, benchmarks."""

from __future__ import annotations

import glob
import os
from pathlib import Path

import nox

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]

nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True


def _add_pyenv_interpreters_to_path() -> None:
    """Put pyenv-installed interpreters on PATH so that `python3.X` resolves.

    pyenv exposes only its global version through shims, so nox would not find
    the other installed versions on a machine that has them.
    """
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    bins = sorted(glob.glob(str(root / "versions" / "3.*" / "bin")), reverse=True)
    if bins:
        os.environ["PATH"] = os.pathsep.join([*bins, os.environ.get("PATH", "")])


_add_pyenv_interpreters_to_path()


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the test suite against the emulator."""
    session.install("-e", ".[test]")
    session.run(
        "pytest",
        "-W",
        "error::ResourceWarning",
        *session.posargs,
    )


@nox.session(python="3.12")
def lint(session: nox.Session) -> None:
    """Check style and formatting with ruff."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python="3.12")
def typecheck(session: nox.Session) -> None:
    """Check types with mypy in strict mode, the package and the README's code blocks."""
    # mypy checks the Python 3.10 branches too, which import the backport.
    session.install("-e", ".[test]", "mypy>=1.10", "exceptiongroup>=1.2")
    session.run("mypy", "--strict")
    # The test extra has no mypy, so the tests session skips this test.
    session.run("pytest", "tests/test_readme.py", "-k", "test_python_blocks_type_check")


@nox.session(python="3.12")
def bench(session: nox.Session) -> None:
    """Run the benchmarks and rewrite benchmarks/RESULTS.md.

    The official client, parallelworks-client, is installed beside pwasync as
    a peer to compare against, because pwasync does not depend on it.
    Arguments after ``--`` go to ``python -m benchmarks`` (``--quick``,
    ``--only NAME``).
    """
    session.install("-e", ".[testing]", "parallelworks-client")
    command = " ".join(["nox -s bench", *(["--", *session.posargs] if session.posargs else [])])
    session.run("python", "-m", "benchmarks", "--command", command, *session.posargs)
