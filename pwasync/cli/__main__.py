"""Run the ``pwasync`` command as ``python -m pwasync.cli``."""

from __future__ import annotations

from pwasync.cli import main

if __name__ == "__main__":
    main()
