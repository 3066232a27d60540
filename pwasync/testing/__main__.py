"""Run the emulator in the foreground: ``python -m pwasync.testing --help``."""

from __future__ import annotations

import sys

from pwasync.testing._serve import main

if __name__ == "__main__":
    sys.exit(main())
