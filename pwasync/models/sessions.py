"""Models of sessions: the user's running workflows and remote desktops."""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = ["Session"]


@attrs.frozen(kw_only=True, slots=False)
class Session:
    """A session, addressed by its namespace (the owner's user name) and name.

    ``status`` is kept as the wire string (such as ``running`` or ``stopped``)
    because servers may add statuses.
    """

    name: str
    slug: str | None = None
    status: str | None = None
    type: str | None = None
    remote_host: str | None = None
    remote_port: int | None = None
    local_port: int | None = None
    target_id: str | None = None
    url: str | None = None
    user: str | None = None
    created_at: datetime | None = None
