"""The emulator's in-memory platform: organizations, users, sessions, AI Chats, images."""

from __future__ import annotations

import base64
import random
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs

from pwasync.testing._provisioning import ClusterSession

__all__ = ["AIChat", "AuthMethod", "Platform", "Session", "User", "rfc3339"]

DEFAULT_STEP_SECONDS = 0.5


def rfc3339(moment: datetime | None = None) -> str:
    """Format ``moment`` (default: now) as RFC 3339 UTC with a ``Z`` suffix."""
    moment = moment or datetime.now(timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _camel_case(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@attrs.define
class User:
    """A platform user; its name is also the namespace of its sessions and AI Chats."""

    name: str
    org: str
    platform_admin: bool = False
    org_admin: bool = False
    team: str | None = None


@attrs.define
class Session:
    """A user session; ``fields`` holds its wire object, ``teams`` the teams granted access."""

    namespace: str
    fields: dict[str, Any]
    teams: set[str] = attrs.Factory(set)


@attrs.define
class AIChat:
    """An AI Chat whose provisioning and ingestion advance with the monotonic clock."""

    org: str
    namespace: str
    name: str
    csp: str
    variables: dict[str, Any]
    extra: dict[str, Any]
    created_at: str
    provisioned_at: float
    ingested_at: float
    buckets: dict[str, str | None] = attrs.Factory(dict)

    def to_wire(self, now: float) -> dict[str, Any]:
        provisioned = now >= self.provisioned_at
        return {
            "name": self.name,
            "namespace": self.namespace,
            "csp": self.csp,
            "variables": self.variables,
            "provisionOutput": (
                {"endpoint": f"https://ai.{self.namespace}.emulator.invalid/{self.name}"}
                if provisioned
                else {}
            ),
            "expiresAt": None,
            "provisioned": provisioned,
            "currentlyProvisioning": not provisioned,
            "ingested": now >= self.ingested_at,
            # Fields beyond the documented object, as the platform adds them.
            **self.extra,
            "createdAt": self.created_at,
            "buckets": [
                {"id": bucket, "refreshInterval": interval}
                for bucket, interval in sorted(self.buckets.items())
            ],
        }


@attrs.define
class AuthMethod:
    """An organization's OIDC login method."""

    id: str
    org: str
    name: str
    authorization_endpoint: str
    client_id: str
    scopes: str

    def to_wire(self) -> dict[str, Any]:
        return {"id": self.id, "type": "oidc", "name": self.name, "displayName": self.name}


def _seed_images(now: str) -> dict[str, dict[str, Any]]:
    images = [
        ("rocky9-hpc", "amd64", "aws", "ami-0a1b2c3d4e5f60718", "us-east-1"),
        ("ubuntu2204-gpu", "amd64", "google", "projects/pw/images/ubuntu2204-gpu", "us-central1"),
        ("rocky9-arm", "arm64", "aws", "ami-0f1e2d3c4b5a69788", "us-west-2"),
    ]
    return {
        name: {
            "id": f"img-{index:04d}",
            "name": name,
            "architecture": architecture,
            "csp": csp,
            "cspId": csp_id,
            "region": region,
            "type": "compute",
            "published": True,
            "latest": True,
            "createdAt": now,
            "updatedAt": now,
            "organization": "",
        }
        for index, (name, architecture, csp, csp_id, region) in enumerate(images, start=1)
    }


class Platform:
    """All state of one emulated platform, mutated only on the event loop thread."""

    def __init__(self, *, seed: int = 0, step_seconds: float = DEFAULT_STEP_SECONDS) -> None:
        self.rng = random.Random(seed)
        self.step_seconds = step_seconds
        self.host = ""
        self.users: dict[str, User] = {}
        self.api_keys: dict[str, str] = {}
        self.teams: dict[str, set[str]] = {}
        self.sessions: dict[tuple[str, str], Session] = {}
        self.ai_chats: dict[tuple[str, str, str], AIChat] = {}
        self.auth_methods: dict[str, AuthMethod] = {}
        self.clusters: dict[tuple[str, str, str, int], ClusterSession] = {}
        self.infra: dict[str, ClusterSession] = {}
        now = rfc3339()
        self.images = _seed_images(now)
        self.license = "PW-EMULATOR-LICENSE-0001"
        self.license_expiration = rfc3339(datetime.now(timezone.utc) + timedelta(days=365))

    def new_id(self, prefix: str, length: int = 12) -> str:
        alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
        return prefix + "".join(self.rng.choice(alphabet) for _ in range(length))

    def now(self) -> float:
        return time.monotonic()

    # Users and organizations.

    def add_org(self, org: str) -> None:
        self.teams.setdefault(org, set())

    def add_user(
        self,
        name: str,
        *,
        org: str,
        admin: bool = False,
        org_admin: bool = False,
        team: str | None = None,
    ) -> str:
        """Create a user (and its organization if new) and return a new API key."""
        if not name or "/" in name:
            raise ValueError(f"user name must be non-empty and contain no '/', got {name!r}")
        if name in self.users:
            raise ValueError(f"user {name!r} already exists; pick another name")
        self.add_org(org)
        if team is not None:
            self.teams[org].add(team)
        self.users[name] = User(name, org, admin, org_admin, team)
        self._seed_sessions(name)
        return self.issue_api_key(name)

    def issue_api_key(self, user: str) -> str:
        """Mint an API key ``pwt_<base64url(host), unpadded>.<secret>`` for ``user``."""
        encoded_host = base64.urlsafe_b64encode(self.host.encode()).decode().rstrip("=")
        secret = "".join(
            self.rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
            for _ in range(32)
        )
        key = f"pwt_{encoded_host}.{secret}"
        self.api_keys[key] = user
        return key

    # Sessions.

    def _seed_sessions(self, user: str) -> None:
        self.add_session(user, "desktop", type="desktop", status="running", remotePort=5901)
        self.add_session(user, "jupyter", type="jupyter", status="stopped", remotePort=8888)

    def add_session(self, namespace: str, name: str, **fields: Any) -> dict[str, Any]:
        """Create a session in ``namespace`` with wire ``fields`` laid over defaults."""
        if namespace not in self.users:
            raise ValueError(f"namespace {namespace!r} is not a user; add the user first")
        if (namespace, name) in self.sessions:
            raise ValueError(f"session {namespace}/{name} already exists")
        now = rfc3339()
        wire: dict[str, Any] = {
            "id": self.new_id("ses-"),
            "name": name,
            "slug": name,
            "status": "running",
            "type": "desktop",
            "remoteHost": "10.0.0.4",
            "remotePort": 8080,
            "localPort": 0,
            "targetId": self.new_id("tgt-"),
            # The emulator serves plain http, so its session links do too.
            "url": f"http://{self.host}/me/{namespace}/{name}/",
            "user": namespace,
            "namespace": namespace,
            "organization": self.users[namespace].org,
            "createdAt": now,
            "updatedAt": now,
        }
        wire.update({_camel_case(field): value for field, value in fields.items()})
        self.sessions[(namespace, name)] = Session(namespace, wire)
        return dict(wire)

    # AI Chats.

    def add_ai_chat(
        self, org: str, namespace: str, name: str, csp: str, variables: dict[str, Any], **extra: Any
    ) -> AIChat:
        now = self.now()
        chat = AIChat(
            org=org,
            namespace=namespace,
            name=name,
            csp=csp,
            variables=variables,
            extra=extra,
            created_at=rfc3339(),
            provisioned_at=now + self.step_seconds,
            ingested_at=now + 2 * self.step_seconds,
        )
        self.ai_chats[(org, namespace, name)] = chat
        return chat

    def start_ingestion(self, chat: AIChat) -> None:
        """Mark ``chat`` as not ingested until one simulated ingestion has run."""
        chat.ingested_at = max(self.now(), chat.provisioned_at) + self.step_seconds

    # Cluster sessions.

    def add_cluster_session(self, org: str, namespace: str, cluster: str, number: int) -> str:
        """Register a cluster session (idempotent) and return its infraId."""
        key = (org, namespace, cluster, number)
        existing = self.clusters.get(key)
        if existing is not None:
            return existing.infra_id
        self.add_org(org)
        infra_id = self.new_id("inf-", 16)
        session = ClusterSession(org, namespace, cluster, number, infra_id)
        self.clusters[key] = session
        self.infra[infra_id] = session
        return infra_id
