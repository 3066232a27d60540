"""Type-checked use of the public API, as an application would write it.

mypy --strict checks this file (pyproject lists tests/typing); it is never
run. Each ``assert_type`` pins the type a method promises, so a change to a
public signature fails the type check.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import aiohttp
from typing_extensions import assert_type

import pwasync
from pwasync import (
    AIChat,
    APIError,
    AuthMethod,
    Client,
    Image,
    JWKSet,
    License,
    NotFoundError,
    OpenIDConfiguration,
    ProvisionOutcome,
    ProvisionSnapshot,
    ProvisionStep,
    RateLimitError,
    ResponseValidationError,
    RetryPolicy,
    Session,
    StepStatus,
)


async def identity_and_oidc(pw: Client) -> None:
    assert_type(await pw.auth.whoami(), str)
    assert_type(await pw.auth.whoami_organization(), str)
    assert_type(await pw.auth.oidc_token(), str)
    assert_type(await pw.auth.workflow_oidc_token(workflow="etl", run="7"), str)
    assert_type(await pw.auth.oidc_redirect_url("am-1"), str)
    assert_type(await pw.auth.oidc_callback(code="c", state="s"), None)
    config = await pw.auth.openid_configuration()
    assert_type(config, OpenIDConfiguration)
    assert_type(config.claims_supported, tuple[str, ...])
    keys = await pw.auth.list_keys()
    assert_type(keys, JWKSet)
    method = await pw.organizations.create_oidc_auth_method(
        "acme", name="corp", client_id="c1", discover_endpoints=True, issuer="https://idp"
    )
    assert_type(method, AuthMethod)


async def provisioning(pw: Client) -> None:
    snapshot = await pw.provision_status.get("acme", "infra-1")
    assert_type(snapshot, ProvisionSnapshot)
    assert_type(snapshot.outcome, ProvisionOutcome)
    assert_type(snapshot.progress, float)
    assert_type(snapshot.steps, tuple[ProvisionStep, ...])
    assert_type(snapshot.step("network"), ProvisionStep | None)
    for step in snapshot.failed_steps:
        assert_type(step.status, StepStatus)
        assert_type(step.created_at, datetime | None)
    await pw.clusters.update_provision_status(
        "acme", "alice", "hpc", 1, step_id="net", status=StepStatus.PROVISIONING, logs=b"up\n"
    )


async def chats_images_sessions(pw: Client) -> None:
    chats = await pw.ai_chats.list("acme", "alice")
    assert_type(chats, list[AIChat])
    chat = await pw.ai_chats.create("acme", "alice", name="helper", csp="aws")
    assert_type(chat.ready, bool)
    await pw.ai_chats.attach_bucket(
        "acme", "alice", "helper", "bucket-1", refresh_interval=timedelta(hours=1)
    )
    assert_type(await pw.ai_chats.delete("acme", "alice", "helper"), None)
    images = await pw.images.list(csp="aws")
    assert_type(images, list[Image])
    assert_type(await pw.images.create(name="x", csp="aws", published=True), Image)
    sessions = await pw.sessions.list()
    assert_type(sessions, list[Session])
    session = await pw.sessions.update("alice", "desk", new_name="desk2", remote_port=22)
    assert_type(session.remote_port, int | None)
    await pw.sessions.update_access("alice", "desk2", access=True, team_id="research")
    assert_type(await pw.admin.get_license(), License)


async def configuration_and_errors(session: aiohttp.ClientSession) -> None:
    policy = RetryPolicy(attempts=5, max_retry_after=30.0, shared_cooldown=False)
    async with Client(
        api_key="pwt_x.y",
        base_url="http://127.0.0.1:8080",
        timeout=10.0,
        retry=policy,
        max_concurrency=8,
        session=session,
        routes={"sessions.get": "/api/v2/sessions/{namespace}/{name}"},
    ) as pw:
        assert_type(pw, Client)
        assert_type(pw.retry_policy, RetryPolicy)
        assert_type(pw.cooldown.remaining(), float)
        try:
            await pw.sessions.get("alice", "desk")
        except NotFoundError as error:
            assert_type(error.status, int)
            assert_type(error.request_id, str | None)
        except RateLimitError as error:
            assert_type(error.retry_after, float | None)
        except APIError as error:
            assert_type(error.body, bytes)
        except ResponseValidationError as error:
            assert_type(error.field, str)
    from_env = Client.from_env(environ={"PW_API_KEY": "pwt_x.y"}, timeout=5.0)
    assert_type(from_env, pwasync.Client)
