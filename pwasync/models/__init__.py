"""The typed models that pwasync returns; every one is also importable from ``pwasync``."""

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
