"""Every operation of the route table, driven over HTTP with the response shapes of API 4.x."""

from __future__ import annotations

import base64
from typing import Any

import aiohttp
import pytest
import yarl

from pwasync._routes import ROUTES
from pwasync.testing import Emulator

pytestmark = pytest.mark.anyio


async def call(
    http: aiohttp.ClientSession,
    method: str,
    path: str,
    headers: dict[str, str],
    **kwargs: Any,
) -> tuple[int, Any]:
    async with http.request(method, path, headers=headers, allow_redirects=False, **kwargs) as r:
        text = await r.text()
        return r.status, (await r.json(content_type=None)) if text else None


async def test_every_operation_answers(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """Each of the 29 operations returns its documented status on its default path."""
    org, ns = emu.org, emu.user
    ai = f"/api/organizations/{org}/ai/{ns}"
    infra_id = emu.add_cluster_session(org, ns, "hpc")
    update = {"provisionStatus": {"id": "create_network", "status": "provisioning"}}
    image = {"name": "img-a", "csp": "aws", "architecture": "arm64", "region": "us-east-1"}
    oidc = {"authorizationEndpoint": "https://idp.example/authorize", "clientId": "pw"}
    emu.add_user("bob", team="lab")
    _, method = await call(
        http, "POST", f"/api/organizations/{org}/auth-methods/oidc", admin, json=oidc
    )
    calls: list[tuple[str, str, dict[str, Any], int]] = [
        ("GET", "/api/auth/whoami", {}, 200),
        ("GET", "/api/auth/whoami/organization", {}, 200),
        ("GET", "/api/auth/oidc/token", {}, 200),
        ("GET", "/api/auth/oidc/token/workflow", {"params": {"workflow": "w", "run": "7"}}, 200),
        ("GET", "/api/oidc/.well-known/openid-configuration", {}, 200),
        ("GET", "/api/platform/keys", {}, 200),
        ("GET", f"/api/auth/sso/oidc/redirect/{method['AuthMethod']['id']}", {}, 302),
        ("GET", "/api/auth/sso/oidc/callback", {"params": {"code": "c", "state": "s"}}, 204),
        ("POST", ai, {"json": {"name": "chat", "csp": "aws"}}, 201),
        ("GET", ai, {}, 200),
        ("GET", f"{ai}/chat", {}, 200),
        ("POST", f"{ai}/chat/buckets/b1", {"json": {"refreshInterval": "24h"}}, 204),
        ("POST", f"{ai}/chat/buckets/b1/reindex", {}, 204),
        ("POST", f"{ai}/chat/reindex", {}, 204),
        ("DELETE", f"{ai}/chat/buckets/b1", {}, 204),
        ("DELETE", f"{ai}/chat", {}, 204),
        ("PATCH", f"/api/organizations/{org}/clusters/{ns}/hpc/sessions/1", {"json": update}, 204),
        ("GET", f"/api/organizations/{org}/provisionstatus/{infra_id}", {}, 200),
        ("GET", "/api/platform/images", {"params": {"csp": "aws"}}, 200),
        ("POST", "/api/platform/images", {"json": image}, 201),
        ("DELETE", "/api/platform/images/img-a", {}, 204),
        ("GET", "/api/platform/license", {}, 200),
        ("POST", "/api/platform/license", {"json": {"license": "PW-2"}}, 204),
        ("GET", "/api/sessions", {}, 200),
        ("GET", f"/api/sessions/{ns}/desktop", {}, 200),
        ("PATCH", f"/api/sessions/{ns}/desktop", {"json": {"status": "stopped"}}, 200),
        (
            "POST",
            f"/api/sessions/{ns}/desktop/access",
            {"json": {"access": True, "teamId": "lab"}},
            204,
        ),
        ("DELETE", f"/api/sessions/{ns}/jupyter", {}, 204),
    ]

    statuses = [(m, p, (await call(http, m, p, admin, **kw))[0], want) for m, p, kw, want in calls]

    assert [(m, p, got) for m, p, got, want in statuses if got != want] == []
    assert set(emu.stats.by_operation) == set(ROUTES)


async def test_auth_shapes(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """Identity calls return JSON strings and discovery documents their documented keys."""
    _, name = await call(http, "GET", "/api/auth/whoami", admin)
    _, org = await call(http, "GET", "/api/auth/whoami/organization", admin)
    _, token = await call(http, "GET", "/api/auth/oidc/token", admin)
    _, config = await call(http, "GET", "/api/oidc/.well-known/openid-configuration", {})
    _, keys = await call(http, "GET", "/api/platform/keys", {})

    assert name == emu.user
    assert org == emu.org
    assert isinstance(token, str)
    assert token.count(".") == 2
    assert config["jwks_uri"] == f"{emu.url}/api/platform/keys"
    assert config["issuer"] == f"{emu.url}/api/oidc"
    assert config["id_token_signing_alg_values_supported"] == ["RS256"]
    for field in ("claims_supported", "subject_types_supported"):
        assert isinstance(config[field], list)
    assert set(keys["keys"][0]) >= {"kty", "kid", "use", "alg", "n", "e"}


async def test_oidc_redirect_location(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """The redirect returns 302 to the auth method's authorize URL, and 404 for unknown ids."""
    body = {
        "name": "corp",
        "authorizationEndpoint": "https://idp.example/authorize",
        "clientId": "pw-client",
        "scopes": "openid",
    }
    status, created = await call(
        http, "POST", f"/api/organizations/{emu.org}/auth-methods/oidc", admin, json=body
    )
    method = created["AuthMethod"]

    async with http.get(
        f"/api/auth/sso/oidc/redirect/{method['id']}", headers=admin, allow_redirects=False
    ) as response:
        location = response.headers["Location"]
        redirect_status = response.status
    unknown_status, unknown = await call(http, "GET", "/api/auth/sso/oidc/redirect/nope", admin)

    assert status == 200
    assert set(method) >= {"id", "type", "name", "displayName"}
    assert redirect_status == 302
    assert location.startswith("https://idp.example/authorize?response_type=code")
    assert "client_id=pw-client" in location
    assert "redirect_uri=http" in location
    assert unknown_status == 404
    assert unknown["error"] is True


async def test_session_shapes(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """Sessions list flat, get and update come wrapped in BaseSessionResponse."""
    emu.add_session(emu.user, "lab", type="jupyter", remote_port=8888, gpuCount=1)

    _, listed = await call(http, "GET", "/api/sessions", admin)
    _, got = await call(http, "GET", f"/api/sessions/{emu.user}/lab", admin)
    _, updated = await call(
        http,
        "PATCH",
        f"/api/sessions/{emu.user}/lab",
        admin,
        json={"localPort": 9000, "name": "lab2"},
    )
    status, _ = await call(http, "GET", f"/api/sessions/{emu.user}/lab", admin)

    assert sorted(s["name"] for s in listed) == ["desktop", "jupyter", "lab"]
    session = got["BaseSessionResponse"]
    for field in ("name", "slug", "status", "type", "remoteHost", "remotePort", "localPort"):
        assert field in session
    for field in ("targetId", "url", "user", "createdAt"):
        assert field in session
    assert session["remotePort"] == 8888
    assert session["gpuCount"] == 1
    assert updated["BaseSessionResponse"]["localPort"] == 9000
    assert updated["BaseSessionResponse"]["name"] == "lab2"
    assert status == 404


async def test_flat_responses(http: aiohttp.ClientSession) -> None:
    """With wrap_responses=False sessions, auth methods and images come flat."""
    async with Emulator(wrap_responses=False) as flat:
        headers = {
            "Authorization": "Basic " + base64.b64encode(f"{flat.api_key}:".encode()).decode()
        }
        async with aiohttp.ClientSession(flat.url, headers=headers) as session:
            _, got = await call(session, "GET", f"/api/sessions/{flat.user}/desktop", {})
            _, method = await call(
                session,
                "POST",
                f"/api/organizations/{flat.org}/auth-methods/oidc",
                {},
                json={"authorizationEndpoint": "https://idp.example/a"},
            )
            _, images = await call(session, "GET", "/api/platform/images", {})

    assert got["name"] == "desktop"
    assert method["type"] == "oidc"
    assert all("organization" in image for image in images)
    assert all("organization,omitempty" not in image for image in images)


async def test_image_shapes(http: aiohttp.ClientSession, admin: dict[str, str]) -> None:
    """Images list and filter; the reference sample's spellings come along when wrapped."""
    body = {"name": "alma", "csp": "azure", "architecture": "amd64", "region": "eastus"}

    status, created = await call(http, "POST", "/api/platform/images", admin, json=body)
    _, azure = await call(http, "GET", "/api/platform/images", admin, params={"csp": "azure"})
    _, arm = await call(
        http, "GET", "/api/platform/images", admin, params={"architecture": "arm64"}
    )

    assert status == 201
    for field in ("id", "latest", "createdAt", "updatedAt", "created_at", "organization,omitempty"):
        assert field in created
    assert [image["name"] for image in azure] == ["alma"]
    assert {image["architecture"] for image in arm} == {"arm64"}


async def test_license_roundtrip(http: aiohttp.ClientSession, admin: dict[str, str]) -> None:
    """A license update is what the next read returns, with an expiration time."""
    status, _ = await call(http, "POST", "/api/platform/license", admin, json={"license": "PW-9"})
    _, license_ = await call(http, "GET", "/api/platform/license", admin)

    assert status == 204
    assert license_["license"] == "PW-9"
    assert license_["expiration"].endswith("Z")


async def test_ai_chat_shapes(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """An AI Chat carries every documented field, and lists under the key 'ai'."""
    path = f"/api/organizations/{emu.org}/ai/{emu.user}"
    body = {"name": "docs", "csp": "google", "variables": {"model": "small"}}

    status, chat = await call(http, "POST", path, admin, json=body)
    _, listed = await call(http, "GET", path, admin)

    assert status == 201
    for field in ("name", "namespace", "csp", "variables", "provisionOutput", "expiresAt"):
        assert field in chat
    assert chat["provisioned"] is False
    assert chat["currentlyProvisioning"] is True
    assert chat["ingested"] is False
    assert chat["variables"] == {"model": "small"}
    assert [c["name"] for c in listed["ai"]] == ["docs"]


async def test_unknown_route_and_method(http: aiohttp.ClientSession, admin: dict[str, str]) -> None:
    """Unknown paths give 404 and wrong methods 405, both in the error envelope."""
    missing_status, missing = await call(http, "GET", "/api/nothing/here", admin)
    method_status, wrong = await call(http, "PUT", "/api/sessions", admin)

    assert missing_status == 404
    assert missing == {
        "error": True,
        "message": "no route for GET /api/nothing/here",
        "code": "not_found",
    }
    assert method_status == 405
    assert wrong["error"] is True
    assert "GET" in wrong["message"]


async def test_newline_path_gets_envelope(
    http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """A path with an encoded newline reaches the router and gets the JSON error envelope."""
    path = yarl.URL("/api/nothing%0Ahere", encoded=True)

    async with http.get(path, headers=admin) as response:
        status = response.status
        body = await response.json()

    assert status == 404
    assert body == {
        "error": True,
        "message": "no route for GET /api/nothing\nhere",
        "code": "not_found",
    }


async def test_request_id_header(http: aiohttp.ClientSession, admin: dict[str, str]) -> None:
    """Every response carries X-Request-Id, echoing the client's own when it sends one."""
    async with http.get("/api/auth/whoami", headers=admin) as generated:
        first = generated.headers["X-Request-Id"]
    async with http.get("/api/auth/whoami", headers={**admin, "X-Request-Id": "abc"}) as echoed:
        second = echoed.headers["X-Request-Id"]
    async with http.get("/api/none") as error:
        third = error.headers["X-Request-Id"]

    assert len(first) == 32
    assert second == "abc"
    assert third


async def test_route_overrides_served(admin: dict[str, str]) -> None:
    """An overridden route is served at its new path and no longer at the old one."""
    routes = {"sessions.get": "/api/v2/sessions/{namespace}/{name}"}

    async with Emulator(routes=routes) as emu, aiohttp.ClientSession(emu.url) as http:
        headers = {
            "Authorization": "Basic " + base64.b64encode(f"{emu.api_key}:".encode()).decode()
        }
        new_status, _ = await call(http, "GET", f"/api/v2/sessions/{emu.user}/desktop", headers)
        old_status, _ = await call(http, "GET", f"/api/sessions/{emu.user}/desktop", headers)

    assert new_status == 200
    assert old_status == 405


async def test_conflicting_routes_rejected() -> None:
    """Two operations on one method and path are rejected before anything is served."""
    with pytest.raises(ValueError, match="both serve"):
        Emulator(routes={"auth.whoami": "/api/sessions"})
