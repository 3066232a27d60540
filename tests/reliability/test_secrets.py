"""Secret canaries: credentials, query values and bodies never show in logs, errors or reprs.

Each test plants recognisable secrets: API keys and tokens (some the emulator
accepts, some it rejects), a query value and a request body. It drives calls
that succeed and fail in every way the SDK reports, with DEBUG logging on for
``pwasync``, and searches every text a user could see for the secrets.
"""

from __future__ import annotations

import base64
import os
import sys
import traceback
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from typing import Any

import anyio
import pytest
from aiohttp import web

from pwasync import (
    AuthenticationError,
    Client,
    ConnectError,
    NotFoundError,
    PermissionDeniedError,
    ProvisioningFailed,
    PWAsyncError,
    RateLimitError,
    RequestTimeout,
    ResponseValidationError,
    RetryPolicy,
    ServerError,
    WaitTimeout,
)
from pwasync.testing import Emulator, Faults

from ._support import RecordCollector, capture_logs, serve

pytestmark = pytest.mark.anyio

# The parts of the planted secrets that no message of the SDK could contain by chance.
KEY_CANARY = "CanaryKey7Qx2Zr9Wm"
TOKEN_CANARY = "CanaryToken4Hw8LpTn"
QUERY_CANARY = "CanaryQuery3Vd6Ks"
BODY_CANARY = "CanaryBody5Jn1Rf"
FAST = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.005, max_retry_after=0.5)


def _client(credential: str, base_url: str, **options: Any) -> Client:
    """Return a client sending ``credential`` as an API key (``pwt_...``), else as a token."""
    if credential.startswith("pwt_"):
        return Client(api_key=credential, base_url=base_url, retry=FAST, **options)
    return Client(token=credential, base_url=base_url, retry=FAST, **options)


def _basic(api_key: str) -> str:
    return base64.b64encode(f"{api_key}:".encode()).decode()


def _key_for(host: str, secret: str) -> str:
    encoded = base64.urlsafe_b64encode(host.encode()).decode().rstrip("=")
    return f"pwt_{encoded}.{secret}"


class Exposure:
    """Every text that a user of the SDK could see during a test: errors, reprs, results."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.errors: list[BaseException] = []

    def add_error(self, error: BaseException) -> None:
        self.errors.append(error)
        self.texts += [str(error), repr(error)]
        self.texts += traceback.format_exception(type(error), error, error.__traceback__)

    def add_value(self, value: object) -> None:
        self.texts.append(repr(value))
        self.texts.append(str(value))

    async def run(self, call: Awaitable[object]) -> None:
        """Await ``call`` and keep its result or the ``pwasync`` error it raised."""
        try:
            value = await call
        except PWAsyncError as error:
            self.add_error(error)
        else:
            self.add_value(value)

    def error_types(self) -> set[type[BaseException]]:
        return {type(error) for error in self.errors}

    def assert_clean(self, secrets: list[str], logs: RecordCollector) -> None:
        texts = self.texts + logs.texts()
        assert logs.records, "no log record was captured"
        for secret in secrets:
            leaks = sorted({text[:300] for text in texts if secret in text})
            assert leaks == [], f"secret {secret[:12]}... leaked"


@contextmanager
def _debug_logs() -> Iterator[RecordCollector]:
    with capture_logs("pwasync") as logs:
        yield logs


def _credential_forms(api_keys: list[str], tokens: list[str]) -> list[str]:
    """Return every form in which a credential could leak: whole, secret part, encoded."""
    forms = [QUERY_CANARY, BODY_CANARY]
    for key in api_keys:
        forms += [key, key.rsplit(".", 1)[1], _basic(key)]
    for token in tokens:
        forms += [token, token.rsplit(".", 1)[-1]]
    return forms


async def _drive_emulator(emulator: Emulator, exposure: Exposure, key: str, token: str) -> None:
    """Call the emulator with a valid key and token: successes, 403, 404, watch failures."""
    org, user = emulator.org, "canary"
    infra_id = emulator.start_provisioning(org, user, "canary-ok", steps=["plan"])
    failing = emulator.start_provisioning(org, user, "canary-bad", steps=["plan"], fail_at="plan")
    slow = emulator.start_provisioning(org, user, "canary-slow", steps=["plan"], step_seconds=60)
    for credential in (key, token):
        async with _client(credential, emulator.url) as pw:
            exposure.add_value(pw)
            exposure.add_value(pw.provision_status)
            await exposure.run(pw.auth.whoami())
            await exposure.run(pw.sessions.list())
            await exposure.run(pw.images.list(csp="aws", region=QUERY_CANARY))
            await exposure.run(pw.auth.workflow_oidc_token(audience=QUERY_CANARY))
            await exposure.run(pw.provision_status.wait(org, infra_id, interval=0.01))
            await exposure.run(pw.provision_status.wait(org, failing, interval=0.01))
            await exposure.run(pw.provision_status.wait(org, "missing", interval=0.01))
            await exposure.run(pw.provision_status.wait(org, slow, timeout=0.05, interval=0.01))
            await exposure.run(pw.admin.update_license(BODY_CANARY))
            await exposure.run(pw.sessions.get(emulator.user, "desktop"))
            await exposure.run(pw.sessions.get(user, "missing"))
            async with pw.provision_status.watch_many(org, [infra_id, "missing"]) as items:
                async for item in items:
                    exposure.add_value(item)


async def _drive_faults(emulator: Emulator, exposure: Exposure, key: str) -> None:
    """Call the emulator while it rate limits, fails, resets and stalls every request."""
    faults = [
        Faults(rate_limit_rate=1.0, retry_after=1),
        Faults(error_rate=1.0, retry_after=1, seed=3),
        Faults(reset_rate=1.0),
        Faults(stall_rate=1.0, stall_seconds=0.3),
    ]
    async with _client(key, emulator.url, timeout=0.05) as pw:
        for fault in faults:
            emulator.faults = fault
            await exposure.run(pw.auth.whoami())
            await exposure.run(pw.auth.workflow_oidc_token(audience=QUERY_CANARY))
            await exposure.run(pw.admin.update_license(BODY_CANARY))
            await exposure.run(pw.provision_status.wait("emulator", "inf-x", interval=0.01))
    emulator.faults = None


async def test_no_secret_in_logs_errors_or_reprs() -> None:
    """Valid and rejected credentials stay out of every log record, error, repr and result."""
    exposure = Exposure()
    async with Emulator(step_seconds=0.05) as emulator:
        key = emulator.add_user("canary", org=emulator.org)
        token = emulator.token_for("canary")
        rejected_key = _key_for(emulator.host, KEY_CANARY)
        rejected_token = f"{TOKEN_CANARY}.{TOKEN_CANARY}.{TOKEN_CANARY}"
        expired_token = emulator.token_for("canary", expires_in=-60)
        secrets = _credential_forms([key, rejected_key], [token, rejected_token, expired_token])

        with _debug_logs() as logs:
            await _drive_emulator(emulator, exposure, key, token)
            await _drive_faults(emulator, exposure, key)
            for credential in (rejected_key, rejected_token, expired_token):
                async with _client(credential, emulator.url) as pw:
                    await exposure.run(pw.auth.whoami())
                    exposure.add_value(pw)
        closed_port = emulator.url
        async with _client(key, closed_port) as pw:
            with _debug_logs() as refused_logs:
                await exposure.run(pw.auth.whoami())

    kinds = exposure.error_types()
    for expected in (
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        RateLimitError,
        ServerError,
        ConnectError,
        RequestTimeout,
        ProvisioningFailed,
        WaitTimeout,
    ):
        assert expected in kinds, expected
    exposure.assert_clean(secrets, logs)
    exposure.assert_clean(secrets, refused_logs)


def _credential_of(request: web.BaseRequest) -> str:
    """Return the API key or token that ``request`` carries."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme == "Basic":
        return base64.b64decode(value).decode().partition(":")[0]
    return value


async def _echo_credential(request: web.BaseRequest) -> web.StreamResponse:
    """Put the caller's credential into wrongly typed fields, or into an error message."""
    secret = _credential_of(request)
    header = request.headers.get("Authorization", "")
    path = request.path
    if request.method == "POST":
        # A reason phrase is free text too.
        return web.Response(status=403, reason=f"Forbidden for {secret}")
    if path == "/api/auth/whoami":
        return web.json_response({"user": secret, "header": header})
    if path == "/api/sessions":
        return web.json_response([{"name": secret, "createdAt": secret, "remotePort": secret}])
    if path.startswith("/api/sessions/"):
        return web.json_response({"BaseSessionResponse": {"name": 5, "createdAt": secret}})
    if path == "/api/platform/images":
        return web.json_response([{"name": "a", "published": secret}, {"createdAt": secret}])
    if path.startswith("/api/organizations/"):
        steps = [{"id": "s1", "status": "pending", "updatedAt": secret, "attributes": secret}]
        return web.json_response(steps)
    if path == "/api/platform/license":
        return web.json_response({"license": 5, "expiration": secret})
    # A careless server that repeats the rejected credential in its error message.
    message = f"invalid credential {secret} (Authorization: {header})"
    return web.json_response({"error": True, "message": message, "code": secret}, status=401)


async def test_no_secret_in_validation_errors() -> None:
    """Responses that echo the credential, in wrongly typed fields or errors, never show it."""
    exposure = Exposure()
    key = _key_for("127.0.0.1", KEY_CANARY)
    token = f"{TOKEN_CANARY}.{TOKEN_CANARY}.{TOKEN_CANARY}"
    secrets = _credential_forms([key], [token])

    with _debug_logs() as logs:
        async with serve(_echo_credential) as server:
            for credential in (key, token):
                async with _client(credential, server.url) as pw:
                    await exposure.run(pw.auth.whoami())
                    await exposure.run(pw.sessions.list())
                    await exposure.run(pw.sessions.get("alice", "desktop"))
                    await exposure.run(pw.images.list())
                    await exposure.run(pw.provision_status.get("org", "inf-1"))
                    await exposure.run(pw.admin.get_license())
                    await exposure.run(pw.provision_status.wait("org", "inf-1", interval=0.01))
                    await exposure.run(pw.auth.oidc_token())
                    await exposure.run(pw.admin.update_license("license"))

    validation_errors = [e for e in exposure.errors if isinstance(e, ResponseValidationError)]
    authentication_errors = [e for e in exposure.errors if isinstance(e, AuthenticationError)]
    assert len(validation_errors) == 14
    assert len(authentication_errors) == 2
    denied = [e for e in exposure.errors if isinstance(e, PermissionDeniedError)]
    assert len(denied) == 2
    assert all("[redacted]" in str(error) for error in [*authentication_errors, *denied])
    exposure.assert_clean(secrets, logs)


async def _run_cli(arguments: list[str], credential: tuple[str, str], base_url: str) -> str:
    """Run ``pwasync ARGUMENTS --debug`` with ``credential`` set; return its status and output."""
    variable, value = credential
    environment = {
        name: text
        for name, text in os.environ.items()
        if name not in ("PW_API_KEY", "PW_TOKEN", "PW_PLATFORM_HOST", "PW_BASE_URL")
    }
    environment.update({variable: value, "PW_BASE_URL": base_url})
    command = [sys.executable, "-m", "pwasync.cli", *arguments, "--debug"]
    result = await anyio.run_process(command, env=environment, check=False)
    return f"exit status {result.returncode}\n{result.stdout.decode()}{result.stderr.decode()}"


async def test_no_secret_in_cli_output() -> None:
    """The pwasync command, with --debug, prints no credential whether calls succeed or fail."""
    async with Emulator(step_seconds=0.05) as emulator:
        key = emulator.add_user("canary", org=emulator.org)
        rejected_key = _key_for(emulator.host, KEY_CANARY)
        rejected_token = f"{TOKEN_CANARY}.{TOKEN_CANARY}.{TOKEN_CANARY}"
        org = emulator.org
        done = emulator.start_provisioning(org, "canary", "cli-ok", steps=["plan"])
        failing = emulator.start_provisioning(org, "canary", "cli-bad", steps=["a"], fail_at="a")
        secrets = _credential_forms([key, rejected_key], [rejected_token])
        valid = ("PW_API_KEY", key)
        runs = [
            (["whoami"], valid),
            (["whoami", "--json"], ("PW_API_KEY", rejected_key)),
            (["whoami"], ("PW_TOKEN", rejected_token)),
            (["sessions", "list", "--json"], valid),
            (["images", "list", "--region", QUERY_CANARY], valid),
            (["provision", "get", org, "missing"], valid),
            (["provision", "wait", org, failing, "--interval", "0.02"], valid),
            (["provision", "watch", org, done, "--json", "--interval", "0.02"], valid),
            (["provision", "get", emulator.org, done], ("PW_API_KEY", rejected_key)),
        ]
        outputs: list[str] = []

        async def run(arguments: list[str], credential: tuple[str, str]) -> None:
            outputs.append(await _run_cli(arguments, credential, emulator.url))

        with anyio.fail_after(60):
            async with anyio.create_task_group() as tasks:
                for arguments, credential in runs:
                    tasks.start_soon(run, arguments, credential)
            emulator.faults = Faults(rate_limit_rate=1.0, retry_after=600)
            await run(["whoami"], valid)

    assert len(outputs) == len(runs) + 1
    assert sum("exit status 0" in output for output in outputs) >= 3
    assert sum("exit status 1" in output for output in outputs) >= 3
    for secret in secrets:
        leaks = [output for output in outputs if secret in output]
        assert leaks == [], f"secret {secret[:12]}... leaked"
