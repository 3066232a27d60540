"""Transport security: credentials stay with their origin, over TLS, within size limits."""

from __future__ import annotations

import base64
import gzip
from collections.abc import Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web

from pwasync import (
    APIError,
    AuthenticationError,
    Client,
    PermissionDeniedError,
    ResponseTooLargeError,
    RetryPolicy,
)
from pwasync._routes import ROUTES, Route
from pwasync.testing import Emulator

from ._support import Handler, serve

pytestmark = pytest.mark.anyio

API_KEY = "pwt_MTI3LjAuMC4x.transport-security-key"
NO_RETRY = RetryPolicy(attempts=1)


async def _nothing(request: web.BaseRequest) -> web.StreamResponse:
    return web.json_response("elsewhere")


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_redirect_elsewhere_not_followed(status: int) -> None:
    """A redirect to another origin is not followed, so the credential never reaches it."""
    async with serve(_nothing) as other:

        async def redirect(request: web.BaseRequest) -> web.StreamResponse:
            location = f"{other.url}{request.path_qs}"
            return web.Response(status=status, headers={"Location": location})

        async with (
            serve(redirect) as origin,
            Client(api_key=API_KEY, base_url=origin.url, retry=NO_RETRY) as pw,
        ):
            with pytest.raises(APIError) as whoami_error:
                await pw.auth.whoami()
            with pytest.raises(APIError) as license_error:
                await pw.admin.update_license("license text")

    assert whoami_error.value.status == status
    assert license_error.value.status == status
    assert "redirect" in str(whoami_error.value)
    assert [seen.method for seen in origin.seen] == ["GET", "POST"]
    assert other.seen == []


async def test_oidc_redirect_location_not_fetched() -> None:
    """oidc_redirect_url returns another origin's login URL without sending anything there."""
    async with serve(_nothing) as other:

        async def redirect(request: web.BaseRequest) -> web.StreamResponse:
            location = f"{other.url}/authorize?state=abc"
            return web.Response(status=302, headers={"Location": location})

        async with serve(redirect) as origin, Client(api_key=API_KEY, base_url=origin.url) as pw:
            url = await pw.auth.oidc_redirect_url("am-1")

    assert url == f"{other.url}/authorize?state=abc"
    assert len(origin.seen) == 1
    assert origin.seen[0].authorization is not None
    assert other.seen == []


@pytest.mark.parametrize(
    "base_url",
    [
        "http://example.com",
        "http://10.0.0.5:8080",
        "http://192.168.1.10/api",
        "http://[2001:db8::1]",
        "http://127.0.0.1.example.com",
        "http://localhost.example.com",
        "HTTP://example.com",
    ],
)
def test_plain_http_to_remote_host_rejected(base_url: str) -> None:
    """Plain http to a host that is not loopback is rejected before any connection."""
    with pytest.raises(ValueError, match="allow_insecure_http") as caught:
        Client(api_key=API_KEY, base_url=base_url)

    assert "transport-security-key" not in str(caught.value)


async def test_plain_http_allowed_when_asked() -> None:
    """allow_insecure_http=True accepts plain http to a remote host; no request is made here."""
    client = Client(api_key=API_KEY, base_url="http://10.0.0.5:8080", allow_insecure_http=True)

    assert client.base_url == "http://10.0.0.5:8080"
    assert not client.closed


@pytest.mark.parametrize(
    "base_url",
    ["http://127.0.0.1:8080", "http://localhost:9", "http://[::1]:8080", "https://example.com"],
)
def test_loopback_or_https_accepted(base_url: str) -> None:
    """Plain http to loopback, and https anywhere, need no opt-in."""
    client = Client(api_key=API_KEY, base_url=base_url)

    assert client.base_url == base_url


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"PW_API_KEY": API_KEY, "PW_BASE_URL": "http://example.com"}, "allow_insecure_http"),
        ({"PW_API_KEY": API_KEY, "PW_BASE_URL": "https://user:pw@example.com"}, "user info"),
        ({"PW_API_KEY": API_KEY, "PW_BASE_URL": "ftp://example.com"}, "http"),
    ],
)
def test_environment_base_url_checked(environment: dict[str, str], message: str) -> None:
    """Client.from_env applies the same origin checks to PW_BASE_URL."""
    with pytest.raises(ValueError, match=message):
        Client.from_env(environ=environment)


@pytest.mark.parametrize(
    "host", ["evil.example/path", "127.0.0.1@evil.example", "evil.example?x=1", "a b", ""]
)
def test_key_with_unsafe_host_rejected(host: str) -> None:
    """An API key whose encoded host is not a bare host name gives no default address."""
    encoded = base64.urlsafe_b64encode(host.encode()).decode().rstrip("=")
    key = f"pwt_{encoded}.secret-part-of-key"

    with pytest.raises(ValueError, match="base_url") as caught:
        Client(api_key=key)

    assert "secret-part-of-key" not in str(caught.value)


def _large_reply(size: int, *, chunked: bool = False, compressed: bool = False) -> Handler:
    body = b'"' + b"x" * size + b'"'

    async def handle(request: web.BaseRequest) -> web.StreamResponse:
        if compressed:
            return web.Response(
                body=gzip.compress(body),
                headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
            )
        if not chunked:
            return web.Response(body=body, content_type="application/json")
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(body), 65536):
            await response.write(body[start : start + 65536])
        await response.write_eof()
        return response

    return handle


@pytest.mark.parametrize(
    ("chunked", "compressed"),
    [(False, False), (True, False), (False, True)],
    ids=["content-length", "chunked", "gzip"],
)
async def test_oversized_response_rejected(chunked: bool, compressed: bool) -> None:
    """A body over max_response_bytes raises a clear error once, whatever its framing."""
    handler = _large_reply(2_000_000, chunked=chunked, compressed=compressed)

    async with (
        serve(handler) as server,
        Client(api_key=API_KEY, base_url=server.url, max_response_bytes=1_000_000) as pw,
    ):
        with pytest.raises(ResponseTooLargeError) as caught:
            await pw.auth.whoami()
        within_limit = Client(api_key=API_KEY, base_url=server.url, max_response_bytes=3_000_000)
        async with within_limit:
            name = await within_limit.auth.whoami()

    message = str(caught.value)
    assert "1000000 bytes" in message
    assert "max_response_bytes" in message
    assert "GET /api/auth/whoami" in message
    assert len(server.seen) == 2
    assert len(name) == 2_000_000


def _fill(route: Route) -> str:
    """Return the route's path with every placeholder filled with a plausible value."""
    path = route.path
    for name in route.params:
        path = path.replace("{" + name + "}", "1" if name == "sessionNumber" else "x")
    return path


async def test_emulator_rejects_missing_credentials() -> None:
    """Every operation but the OIDC discovery documents responds 401 without credentials."""
    async with Emulator() as emulator, aiohttp.ClientSession() as session:
        statuses = {}
        for operation, route in ROUTES.items():
            url = emulator.url + _fill(route)
            async with session.request(route.method, url, json={}) as response:
                statuses[operation] = response.status

    public = {"auth.openid_configuration", "auth.list_keys"}
    assert {op: status for op, status in statuses.items() if op in public} == dict.fromkeys(
        public, 200
    )
    assert {op: status for op, status in statuses.items() if op not in public} == dict.fromkeys(
        set(ROUTES) - public, 401
    )


async def test_emulator_rejects_other_organizations() -> None:
    """A user of one organization gets 403 on every operation of another organization's paths."""
    async with Emulator(step_seconds=0.05) as emulator:
        outsider = emulator.add_user("outsider", org="elsewhere", org_admin=True)
        infra_id = emulator.start_provisioning(emulator.org, emulator.user, "cluster")
        org, owner = emulator.org, emulator.user
        async with Client(api_key=outsider, base_url=emulator.url) as pw:
            calls: dict[str, Callable[[], Awaitable[object]]] = {
                "provision_status.get": lambda: pw.provision_status.get(org, infra_id),
                "ai_chats.list": lambda: pw.ai_chats.list(org, owner),
                "ai_chats.create": lambda: pw.ai_chats.create(org, owner, name="c", csp="aws"),
                "ai_chats.get": lambda: pw.ai_chats.get(org, owner, "c"),
                "ai_chats.delete": lambda: pw.ai_chats.delete(org, owner, "c"),
                "ai_chats.reindex": lambda: pw.ai_chats.reindex(org, owner, "c"),
                "ai_chats.attach_bucket": lambda: pw.ai_chats.attach_bucket(org, owner, "c", "b"),
                "ai_chats.remove_bucket": lambda: pw.ai_chats.remove_bucket(org, owner, "c", "b"),
                "ai_chats.reindex_bucket": lambda: pw.ai_chats.reindex_bucket(org, owner, "c", "b"),
                "clusters.update_provision_status": lambda: pw.clusters.update_provision_status(
                    org, owner, "cluster", 1, step_id="s", status="provisioning"
                ),
                "organizations.create_oidc_auth_method": lambda: (
                    pw.organizations.create_oidc_auth_method(org, name="sso", client_id="c")
                ),
                "sessions.get": lambda: pw.sessions.get(owner, "desktop"),
                "images.create": lambda: pw.images.create(name="img", csp="aws"),
            }
            rejected = {}
            for operation, call in calls.items():
                with pytest.raises(PermissionDeniedError) as caught:
                    await call()
                rejected[operation] = caught.value.status
        async with Client(api_key=emulator.api_key, base_url=emulator.url) as pw:
            snapshot = await pw.provision_status.get(org, infra_id)
        async with Client(api_key=emulator.api_key + "x", base_url=emulator.url) as pw:
            with pytest.raises(AuthenticationError):
                await pw.auth.whoami()

    assert rejected == dict.fromkeys(calls, 403)
    assert snapshot.infra_id == infra_id
