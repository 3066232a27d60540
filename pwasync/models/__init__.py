"""The typed models that pwasync returns; every one is also importable from ``pwasync``.

The response models are frozen attrs classes without slots, because the
converter builds each instance by setting its ``__dict__`` at once. That
measured about three times faster than filling slots (CPython 3.11), and
decoding lists of models is the largest cost of a call after the HTTP
exchange.
"""

from __future__ import annotations

from pwasync.models.admin import License
from pwasync.models.ai_chats import AIChat
from pwasync.models.auth import JWK, JWKSet, OpenIDConfiguration
from pwasync.models.events import (
    AIChatEvent,
    AIChatEventKind,
    ProvisionEvent,
    ProvisionEventKind,
    WatchFailure,
)
from pwasync.models.images import Image
from pwasync.models.organizations import AuthMethod
from pwasync.models.provisioning import (
    ProvisionChild,
    ProvisionOutcome,
    ProvisionSnapshot,
    ProvisionStep,
    StepAttribute,
    StepStatus,
)
from pwasync.models.sessions import Session

__all__ = [
    "JWK",
    "AIChat",
    "AIChatEvent",
    "AIChatEventKind",
    "AuthMethod",
    "Image",
    "JWKSet",
    "License",
    "OpenIDConfiguration",
    "ProvisionChild",
    "ProvisionEvent",
    "ProvisionEventKind",
    "ProvisionOutcome",
    "ProvisionSnapshot",
    "ProvisionStep",
    "Session",
    "StepAttribute",
    "StepStatus",
    "WatchFailure",
]
