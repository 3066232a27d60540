"""Resource namespaces of a client: ``pw.auth``, ``pw.sessions`` and the others."""

from __future__ import annotations

from pwasync.resources.admin import Admin
from pwasync.resources.ai_chats import AIChats
from pwasync.resources.auth import Auth
from pwasync.resources.clusters import Clusters
from pwasync.resources.images import Images
from pwasync.resources.organizations import Organizations
from pwasync.resources.provision_status import ProvisionStatus
from pwasync.resources.sessions import Sessions

__all__ = [
    "AIChats",
    "Admin",
    "Auth",
    "Clusters",
    "Images",
    "Organizations",
    "ProvisionStatus",
    "Sessions",
]
