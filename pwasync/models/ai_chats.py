"""Models of AI Chat resources."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

__all__ = ["AIChat"]


@attrs.frozen(kw_only=True, slots=False)
class AIChat:
    """An AI Chat: a provisioned assistant that answers from ingested bucket documents.

    ``ingested`` drops back to ``False`` after a bucket is attached or a reindex
    starts, until the new documents are ingested.
    """

    name: str
    namespace: str = ""
    csp: str = ""
    variables: dict[str, Any] | None = attrs.field(default=None, hash=False)
    provision_output: dict[str, Any] | None = attrs.field(default=None, hash=False)
    expires_at: datetime | None = None
    provisioned: bool = False
    currently_provisioning: bool = False
    ingested: bool = False

    @property
    def ready(self) -> bool:
        """Whether the chat is provisioned and no provisioning is under way."""
        return self.provisioned and not self.currently_provisioning
