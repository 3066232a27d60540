"""The typed models that pwasync returns; every one is also importable from ``pwasync``."""

from __future__ import annotations

from pwasync.models.admin import License
from pwasync.models.ai_chats import AIChat
from pwasync.models.auth import JWK, JWKSet, OpenIDConfiguration
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
    "AuthMethod",
    "Image",
    "JWKSet",
    "License",
    "OpenIDConfiguration",
    "ProvisionChild",
    "ProvisionOutcome",
    "ProvisionSnapshot",
    "ProvisionStep",
    "Session",
    "StepAttribute",
    "StepStatus",
]
