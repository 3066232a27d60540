"""Models of organization settings."""

from __future__ import annotations

import attrs

__all__ = ["AuthMethod"]


@attrs.frozen(kw_only=True, slots=False)
class AuthMethod:
    """A login method configured for an organization, such as an OIDC provider."""

    id: str
    type: str | None = None
    name: str | None = None
    display_name: str | None = None
