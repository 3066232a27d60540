"""Models of cluster images."""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = ["Image"]


@attrs.frozen(kw_only=True, slots=False)
class Image:
    """A machine image that clusters can boot from.

    ``architecture`` is a string such as ``amd64`` or ``arm64``; ``csp`` a cloud
    such as ``aws``, ``azure``, ``google``, ``openstack`` or ``oracle``.
    """

    name: str
    architecture: str | None = None
    csp: str | None = None
    csp_id: str | None = None
    region: str | None = None
    type: str | None = None
    published: bool = False
    id: str | None = None
    latest: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None
    organization: str | None = None
