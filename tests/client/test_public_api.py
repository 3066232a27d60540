"""The public surface: one sorted __all__ that lists every public name, and a cheap import."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys

import pwasync
import pwasync.models
from pwasync import _errors


def _public_classes(module: object) -> set[str]:
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and inspect.isclass(value)
    }


def test_all_sorted_and_unique() -> None:
    """pwasync.__all__ and pwasync.models.__all__ are sorted and without repeats."""
    for module in (pwasync, pwasync.models):
        names = list(module.__all__)

        assert names == sorted(set(names), key=names.index)
        assert len(names) == len(set(names))
        assert sorted(names, key=lambda name: (not name.isupper(), name)) == names


def test_all_names_importable() -> None:
    """Every name in __all__ exists."""
    missing = [name for name in pwasync.__all__ if not hasattr(pwasync, name)]

    assert missing == []


def test_all_complete() -> None:
    """Every exception, model and enum, Client and RetryPolicy is exported from pwasync."""
    expected = set(_errors.__all__) - {"error_class_for_status"}
    expected |= set(pwasync.models.__all__)
    expected |= {"Client", "RetryPolicy"}

    missing = expected - set(pwasync.__all__)

    assert missing == set()
    assert _public_classes(pwasync) <= set(pwasync.__all__)


def test_models_module_complete() -> None:
    """pwasync.models exports every model class defined in its submodules."""
    defined = set()
    for info in pkgutil.iter_modules(pwasync.models.__path__):
        module = importlib.import_module(f"pwasync.models.{info.name}")
        defined |= set(module.__all__)

    assert defined == set(pwasync.models.__all__)


def test_import_stays_lean() -> None:
    """Importing pwasync loads neither the emulator nor the CLI libraries."""
    code = (
        "import sys, pwasync; "
        "print(','.join(sorted(m for m in ('pwasync.testing', 'click', 'rich', 'jwt') "
        "if m in sys.modules)))"
    )

    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()

    assert loaded == ""
