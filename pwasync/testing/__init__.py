"""A Parallel Works API 4.x emulator for tests, demos and local development.

``Emulator`` serves every operation of the API over loopback HTTP with
in-memory state, the platform's permission rules, simulated provisioning runs
and AI Chats, and seeded fault injection (``Faults``). ``serve`` runs one in
the foreground, as ``python -m pwasync.testing`` does.

Names load on first use, so that importing this package (as pytest does for the
``pwasync`` plugin) costs little and works without the ``testing`` extra.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pwasync.testing._emulator import Emulator
    from pwasync.testing._faults import Faults
    from pwasync.testing._provisioner import DEFAULT_STEPS
    from pwasync.testing._serve import serve
    from pwasync.testing._stats import Stats

__all__ = ["DEFAULT_STEPS", "Emulator", "Faults", "Stats", "serve"]

_MODULES = {
    "DEFAULT_STEPS": "pwasync.testing._provisioner",
    "Emulator": "pwasync.testing._emulator",
    "Faults": "pwasync.testing._faults",
    "Stats": "pwasync.testing._stats",
    "serve": "pwasync.testing._serve",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'pwasync.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
