"""Models of platform administration."""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = ["License"]


@attrs.frozen(kw_only=True, slots=False)
class License:
    """The platform license; ``expiration`` is ``None`` when the server sends none."""

    license: str
    expiration: datetime | None = None
