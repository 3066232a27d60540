"""Every one of the 29 operations against the emulator, over real sockets."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import datetime, timedelta

import anyio
import pytest

from pwasync import (
    AIChat,
    AuthMethod,
    Client,
    Image,
    JWKSet,
    License,
    NotFoundError,
    OpenIDConfiguration,
    PermissionDeniedError,
    ProvisionOutcome,
    ProvisionSnapshot,
    Session,
    StepStatus,
)
from pwasync.testing import Emulator

pytestmark = pytest.mark.anyio


def _jwt_part(token: str, index: int) -> dict[str, object]:
    """Decode the header (0) or the claims (1) of a JWT, without checking its signature."""
    part = token.split(".")[index]
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


async def test_identity(pw: Client, emulator: Emulator) -> None:
    """whoami and whoami_organization return the caller's user and organization names."""
    user = await pw.auth.whoami()
    org = await pw.auth.whoami_organization()

    assert user == emulator.user
    assert org == emulator.org


async def test_oidc_discovery_and_tokens(pw: Client, emulator: Emulator) -> None:
    """The discovery documents decode, and tokens are JWTs signed by a listed key."""
    config = await pw.auth.openid_configuration()
    keys = await pw.auth.list_keys()
    token = await pw.auth.oidc_token()
    workflow_token = await pw.auth.workflow_oidc_token(workflow="etl", run="7", audience="aws")

    assert isinstance(config, OpenIDConfiguration)
    assert config.jwks_uri.endswith("/api/platform/keys")
    assert isinstance(keys, JWKSet)
    kid = _jwt_part(token, 0)["kid"]
    assert isinstance(kid, str)
    assert keys.get(kid) is not None
    assert _jwt_part(token, 1)["sub"] == emulator.user
    assert _jwt_part(workflow_token, 1)["aud"] == "aws"
    assert _jwt_part(workflow_token, 1)["workflow"] == "etl"


async def test_oidc_login_flow(pw: Client, emulator: Emulator) -> None:
    """An OIDC auth method yields a redirect URL, and the callback completes with None."""
    method = await pw.organizations.create_oidc_auth_method(
        emulator.org,
        name="corp",
        client_id="client-1",
        client_secret="client-secret",
        authorization_endpoint="https://idp.example/authorize",
        scopes="openid email",
    )

    url = await pw.auth.oidc_redirect_url(method.id)
    callback = await pw.auth.oidc_callback(code="abc", state="xyz")

    assert isinstance(method, AuthMethod)
    assert method.name == "corp"
    assert url.startswith("https://idp.example/authorize?")
    assert "client_id=client-1" in url
    assert callback is None


async def test_sessions(pw: Client, emulator: Emulator) -> None:
    """Sessions list, get, update, share with a team and delete."""
    emulator.add_user("bob", team="research")
    emulator.add_session(emulator.user, "notebook", remotePort=8888, status="running")

    sessions = await pw.sessions.list()
    session = await pw.sessions.get(emulator.user, "notebook")
    updated = await pw.sessions.update(emulator.user, "notebook", status="stopped", local_port=9000)
    shared = await pw.sessions.update_access(
        emulator.user, "notebook", access=True, team_id="research"
    )
    deleted = await pw.sessions.delete(emulator.user, "notebook")

    assert all(isinstance(item, Session) for item in sessions)
    assert "notebook" in {item.name for item in sessions}
    assert session.remote_port == 8888
    assert updated.status == "stopped"
    assert updated.local_port == 9000
    assert shared is None
    assert deleted is None
    with pytest.raises(NotFoundError):
        await pw.sessions.get(emulator.user, "notebook")


async def test_images(pw: Client) -> None:
    """Images list with filters, create and delete."""
    created = await pw.images.create(
        name="alma9",
        csp="aws",
        architecture="arm64",
        csp_id="ami-42",
        region="eu-west-1",
        type="compute",
        published=True,
    )

    everything = await pw.images.list()
    arm = await pw.images.list(architecture="arm64", csp="aws")
    deleted = await pw.images.delete("alma9")
    after = await pw.images.list()

    assert isinstance(created, Image)
    assert created.csp_id == "ami-42"
    assert isinstance(created.created_at, datetime)
    assert "alma9" in {image.name for image in everything}
    assert arm
    assert all(image.architecture == "arm64" for image in arm)
    assert deleted is None
    assert "alma9" not in {image.name for image in after}


async def test_license(pw: Client) -> None:
    """The license reads back what update_license wrote."""
    before = await pw.admin.get_license()

    result = await pw.admin.update_license("PW-LICENSE-NEW")
    after = await pw.admin.get_license()

    assert isinstance(before, License)
    assert result is None
    assert after.license == "PW-LICENSE-NEW"


async def test_ai_chat_lifecycle(pw: Client, emulator: Emulator) -> None:
    """An AI Chat is created, listed, fed a bucket, reindexed and deleted."""
    org, namespace = emulator.org, emulator.user

    created = await pw.ai_chats.create(
        org, namespace, name="helper", csp="aws", description="docs bot", variables={"size": "s"}
    )
    listed = await pw.ai_chats.list(org, namespace)
    chat = await _wait_until(pw, org, namespace, lambda chat: chat.ready)
    attached = await pw.ai_chats.attach_bucket(
        org, namespace, "helper", "bucket-1", refresh_interval=timedelta(hours=24)
    )
    ingested = await _wait_until(pw, org, namespace, lambda chat: chat.ingested)
    results = [
        await pw.ai_chats.reindex(org, namespace, "helper"),
        await pw.ai_chats.reindex_bucket(org, namespace, "helper", "bucket-1"),
        await pw.ai_chats.remove_bucket(org, namespace, "helper", "bucket-1"),
        await pw.ai_chats.delete(org, namespace, "helper"),
    ]

    assert isinstance(created, AIChat)
    assert created.variables == {"size": "s"}
    assert [item.name for item in listed] == ["helper"]
    assert chat.ready
    assert attached is None
    assert ingested.ingested
    assert results == [None, None, None, None]
    with pytest.raises(NotFoundError):
        await pw.ai_chats.get(org, namespace, "helper")


async def _wait_until(
    pw: Client, org: str, namespace: str, done: Callable[[AIChat], bool]
) -> AIChat:
    with anyio.fail_after(5):
        while True:
            chat = await pw.ai_chats.get(org, namespace, "helper")
            if done(chat):
                return chat
            await anyio.sleep(0.02)


async def test_provisioning_run(pw: Client, emulator: Emulator) -> None:
    """A provisioning run reads as not started, in progress, then succeeded."""
    infra_id = emulator.start_provisioning(
        emulator.org, emulator.user, "hpc", steps=["network", "nodes"], step_seconds=0.05
    )

    seen: set[ProvisionOutcome] = set()
    with anyio.fail_after(5):
        while True:
            snapshot = await pw.provision_status.get(emulator.org, infra_id)
            seen.add(snapshot.outcome)
            if snapshot.outcome.finished:
                break
            await anyio.sleep(0.01)

    assert isinstance(snapshot, ProvisionSnapshot)
    assert snapshot.infra_id == infra_id
    assert snapshot.outcome is ProvisionOutcome.SUCCEEDED
    assert [step.name for step in snapshot.steps] == ["network", "nodes"]
    assert snapshot.progress == 1.0
    assert ProvisionOutcome.IN_PROGRESS in seen


async def test_agent_reports_steps(pw: Client, emulator: Emulator) -> None:
    """update_provision_status adds steps, appends base64-sent logs and sets errors."""
    org, namespace = emulator.org, emulator.user
    infra_id = emulator.add_cluster_session(org, namespace, "edge", session_number=3)

    empty = await pw.provision_status.get(org, infra_id)
    await pw.clusters.update_provision_status(
        org, namespace, "edge", 3, step_id="s1", status=StepStatus.PROVISIONING, logs="boot\n"
    )
    await pw.clusters.update_provision_status(
        org,
        namespace,
        "edge",
        "3",
        step_id="s1",
        status="failed",
        logs="disk ✗\n",
        error="no quota",
    )
    result = await pw.clusters.update_provision_status(
        org,
        namespace,
        "edge",
        3,
        step_id="s1",
        status="failed",
        child_action="add",
        child_id="node-1",
        child_label="Node 1",
    )
    snapshot = await pw.provision_status.get(org, infra_id)

    assert empty.outcome is ProvisionOutcome.NOT_STARTED
    assert result is None
    (step,) = snapshot.steps
    assert step.logs == "boot\ndisk ✗\n"
    assert step.error == "no quota"
    assert step.status is StepStatus.FAILED
    assert [child.id for child in step.children] == ["node-1"]
    assert snapshot.outcome is ProvisionOutcome.FAILED


async def test_permissions_surface(emulator: Emulator) -> None:
    """A user of another organization gets PermissionDeniedError on a foreign namespace."""
    key = emulator.add_user("mallory", org="other-org")

    async with Client(api_key=key, base_url=emulator.url) as pw:
        with pytest.raises(PermissionDeniedError) as caught:
            await pw.ai_chats.list(emulator.org, emulator.user)

    assert caught.value.path == "/api/organizations/{orgName}/ai/{namespace}"
    assert caught.value.request_id
