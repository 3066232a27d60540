"""Authentication, permission rules and request body validation of the emulator."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from pwasync.testing import Emulator

pytestmark = pytest.mark.anyio

Auth = Callable[[str], dict[str, str]]


async def status_and_body(
    http: aiohttp.ClientSession, method: str, path: str, headers: dict[str, str], **kwargs: Any
) -> tuple[int, Any]:
    async with http.request(method, path, headers=headers, **kwargs) as response:
        text = await response.text()
        return response.status, json.loads(text) if text else None


async def test_missing_credentials_rejected(http: aiohttp.ClientSession) -> None:
    """Without credentials every operation but OIDC discovery returns 401."""
    status, body = await status_and_body(http, "GET", "/api/auth/whoami", {})
    config_status, _ = await status_and_body(
        http, "GET", "/api/oidc/.well-known/openid-configuration", {}
    )
    keys_status, _ = await status_and_body(http, "GET", "/api/platform/keys", {})

    assert status == 401
    assert body["error"] is True
    assert body["code"] == "unauthorized"
    assert "missing credentials" in body["message"]
    assert config_status == 200
    assert keys_status == 200


@pytest.mark.parametrize(
    "header",
    [
        "Basic cHd0X3Vua25vd24uc2VjcmV0Og==",
        "Basic !!!not-base64",
        "Bearer not.a.jwt",
        "Digest abc",
    ],
)
async def test_bad_credentials_rejected(http: aiohttp.ClientSession, header: str) -> None:
    """Unknown keys, malformed values, invalid tokens and other schemes get 401."""
    status, body = await status_and_body(http, "GET", "/api/sessions", {"Authorization": header})

    assert status == 401
    assert body["error"] is True


async def test_bearer_token_accepted(emu: Emulator, http: aiohttp.ClientSession) -> None:
    """A token from token_for() authenticates its user as Bearer."""
    emu.add_user("carol", org="other")
    token = emu.token_for("carol")

    status, name = await status_and_body(
        http, "GET", "/api/auth/whoami", {"Authorization": f"Bearer {token}"}
    )
    _, org = await status_and_body(
        http, "GET", "/api/auth/whoami/organization", {"Authorization": f"Bearer {token}"}
    )

    assert status == 200
    assert name == "carol"
    assert org == "other"


async def test_expired_or_foreign_token_rejected(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    """Expired tokens and tokens for another platform host get 401."""
    expired = emu.token_for(emu.user, expires_in=-30)
    async with Emulator() as other:
        foreign = other.token_for(other.user)

    expired_status, expired_body = await status_and_body(
        http, "GET", "/api/auth/whoami", {"Authorization": f"Bearer {expired}"}
    )
    foreign_status, foreign_body = await status_and_body(
        http, "GET", "/api/auth/whoami", {"Authorization": f"Bearer {foreign}"}
    )

    assert expired_status == 401
    assert "expired" in expired_body["message"]
    assert foreign_status == 401
    assert "another platform host" in foreign_body["message"]


async def test_api_key_encodes_host(emu: Emulator) -> None:
    """The part of an API key before the first dot is the unpadded base64url of the host."""
    import base64

    encoded = emu.api_key.removeprefix("pwt_").split(".", 1)[0]

    host = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()

    assert emu.api_key.startswith("pwt_")
    assert host == emu.host
    assert emu.url == f"http://{host}"


def _denials(org: str, admin_user: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Requests that a plain member of ``org`` may not make, one group per API section."""
    ai = f"/api/organizations/{org}/ai/{admin_user}"
    return [
        ("POST", f"/api/organizations/{org}/auth-methods/oidc", {"json": {}}),
        ("POST", "/api/organizations/elsewhere/auth-methods/oidc", {"json": {}}),
        ("GET", ai, {}),
        ("POST", ai, {"json": {"name": "x", "csp": "aws"}}),
        ("GET", "/api/organizations/elsewhere/ai/dave", {}),
        ("PATCH", f"/api/organizations/{org}/clusters/{admin_user}/c/sessions/1", {"json": {}}),
        ("GET", "/api/organizations/elsewhere/provisionstatus/inf-1", {}),
        ("POST", "/api/platform/images", {"json": {"name": "i", "csp": "aws"}}),
        ("DELETE", "/api/platform/images/rocky9-hpc", {}),
        ("GET", "/api/platform/license", {}),
        ("POST", "/api/platform/license", {"json": {"license": "x"}}),
        ("GET", f"/api/sessions/{admin_user}/desktop", {}),
        ("PATCH", f"/api/sessions/{admin_user}/desktop", {"json": {}}),
        ("DELETE", f"/api/sessions/{admin_user}/desktop", {}),
        ("POST", f"/api/sessions/{admin_user}/desktop/access", {"json": {"access": True}}),
    ]


async def test_member_denied_everywhere(
    emu: Emulator, http: aiohttp.ClientSession, auth: Auth
) -> None:
    """A plain member gets 403 for other orgs, other namespaces and admin operations."""
    member = auth(emu.add_user("dave"))
    results = []

    for method, path, kwargs in _denials(emu.org, emu.user):
        status, body = await status_and_body(http, method, path, member, **kwargs)
        results.append((method, path, status, body["code"]))

    assert [r for r in results if r[2:] != (403, "forbidden")] == []


async def test_session_shared_with_team(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str], auth: Auth
) -> None:
    """Granting a team access lets its members read and update, but not delete."""
    member = auth(emu.add_user("erin", team="lab"))
    path = f"/api/sessions/{emu.user}/desktop"

    before, _ = await status_and_body(http, "GET", path, member)
    grant, _ = await status_and_body(
        http, "POST", f"{path}/access", admin, json={"access": True, "teamId": "lab"}
    )
    read, _ = await status_and_body(http, "GET", path, member)
    _, listed = await status_and_body(http, "GET", "/api/sessions", member)
    update, _ = await status_and_body(http, "PATCH", path, member, json={"status": "stopped"})
    delete, _ = await status_and_body(http, "DELETE", path, member)
    revoke, _ = await status_and_body(
        http, "POST", f"{path}/access", admin, json={"access": False, "teamId": "lab"}
    )
    after, _ = await status_and_body(http, "GET", path, member)

    assert before == 403
    assert grant == 204
    assert read == 200
    assert f"{emu.user}/desktop" in {f"{s['user']}/{s['name']}" for s in listed}
    assert update == 200
    assert delete == 403
    assert revoke == 204
    assert after == 403


async def test_platform_admin_without_org_admin(
    emu: Emulator, http: aiohttp.ClientSession, auth: Auth
) -> None:
    """Creating an auth method needs an organization admin, not a platform admin."""
    platform_admin = auth(emu.add_user("frank", admin=True))
    org_admin = auth(emu.add_user("gina", org_admin=True))
    path = f"/api/organizations/{emu.org}/auth-methods/oidc"
    body = {"authorizationEndpoint": "https://idp.example/a"}

    denied, _ = await status_and_body(http, "POST", path, platform_admin, json=body)
    allowed, _ = await status_and_body(http, "POST", path, org_admin, json=body)
    image, _ = await status_and_body(
        http, "POST", "/api/platform/images", platform_admin, json={"name": "n", "csp": "aws"}
    )

    assert denied == 403
    assert allowed == 200
    assert image == 201


def _bad_bodies(org: str, user: str) -> list[tuple[str, str, Any, str]]:
    """Bad requests, one group per API section, with a word their message must contain."""
    ai = f"/api/organizations/{org}/ai/{user}"
    patch = f"/api/organizations/{org}/clusters/{user}/hpc/sessions/1"
    status = {"id": "s", "status": "provisioning"}
    return [
        (
            "POST",
            f"/api/organizations/{org}/auth-methods/oidc",
            {"discoverEndpoints": "yes"},
            "'discoverEndpoints'",
        ),
        (
            "POST",
            f"/api/organizations/{org}/auth-methods/oidc",
            {"name": "x"},
            "'authorizationEndpoint'",
        ),
        ("POST", ai, b"{not json", "not valid JSON"),
        ("POST", ai, [1, 2], "JSON object"),
        ("POST", ai, {"csp": "aws"}, "'name'"),
        ("POST", ai, {"name": "x", "csp": "mars"}, "'csp'"),
        ("POST", ai, {"name": "x", "csp": "aws", "variables": [1]}, "'variables'"),
        ("POST", ai, {"name": "bad name", "csp": "aws"}, "'name'"),
        ("PATCH", patch, {}, "'provisionStatus'"),
        (
            "PATCH",
            patch,
            {"provisionStatus": {"id": "s", "status": "done"}},
            "'provisionStatus.status'",
        ),
        ("PATCH", patch, {"provisionStatus": {**status, "logs": "%%%"}}, "'provisionStatus.logs'"),
        (
            "PATCH",
            patch,
            {"provisionStatus": {**status, "childAction": "add"}},
            "'provisionStatus.childId'",
        ),
        ("PATCH", patch, {"provisionStatus": {"status": "pending"}}, "'provisionStatus.id'"),
        ("POST", "/api/platform/images", {"csp": "aws"}, "'name'"),
        (
            "POST",
            "/api/platform/images",
            {"name": "n", "csp": "aws", "architecture": "x86"},
            "'architecture'",
        ),
        (
            "POST",
            "/api/platform/images",
            {"name": "n", "csp": "aws", "published": "yes"},
            "'published'",
        ),
        ("POST", "/api/platform/license", {"license": 5}, "'license'"),
        ("POST", "/api/platform/license", b"", "missing"),
        ("PATCH", f"/api/sessions/{user}/desktop", {"localPort": "80"}, "'localPort'"),
        ("PATCH", f"/api/sessions/{user}/desktop", {"remotePort": 70000}, "'remotePort'"),
        ("PATCH", f"/api/sessions/{user}/desktop", {"localPort": True}, "'localPort'"),
        ("POST", f"/api/sessions/{user}/desktop/access", {"teamId": "t"}, "'access'"),
    ]


async def test_bad_bodies_name_the_field(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """Malformed JSON, missing fields and wrong types give 400 naming the field."""
    emu.add_cluster_session(emu.org, emu.user, "hpc")
    results = []

    for method, path, body, fragment in _bad_bodies(emu.org, emu.user):
        kwargs = {"data": body} if isinstance(body, bytes) else {"json": body}
        status, reply = await status_and_body(http, method, path, admin, **kwargs)
        results.append((method, path, fragment, status, fragment in reply["message"]))

    assert [r for r in results if r[3:] != (400, True)] == []


async def test_attach_bucket_interval_checked(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """A refresh interval that is not a duration gives 400; an empty body is accepted."""
    path = f"/api/organizations/{emu.org}/ai/{emu.user}"
    await status_and_body(http, "POST", path, admin, json={"name": "c", "csp": "aws"})

    bad, reply = await status_and_body(
        http, "POST", f"{path}/c/buckets/b", admin, json={"refreshInterval": "daily"}
    )
    empty, _ = await status_and_body(http, "POST", f"{path}/c/buckets/b", admin)

    assert bad == 400
    assert "'refreshInterval'" in reply["message"]
    assert empty == 204


async def test_conflicts_and_missing(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """Creating a name twice gives 409; acting on what does not exist gives 404."""
    ai = f"/api/organizations/{emu.org}/ai/{emu.user}"
    await status_and_body(http, "POST", ai, admin, json={"name": "c", "csp": "aws"})

    twice, _ = await status_and_body(http, "POST", ai, admin, json={"name": "c", "csp": "aws"})
    image, _ = await status_and_body(
        http, "POST", "/api/platform/images", admin, json={"name": "rocky9-hpc", "csp": "aws"}
    )
    gone = [
        await status_and_body(http, method, path, admin)
        for method, path in [
            ("GET", f"{ai}/nope"),
            ("DELETE", f"{ai}/c/buckets/never"),
            ("POST", f"{ai}/c/buckets/never/reindex"),
            ("GET", f"/api/organizations/{emu.org}/provisionstatus/inf-unknown"),
            ("DELETE", "/api/platform/images/nope"),
            ("GET", f"/api/sessions/{emu.user}/nope"),
        ]
    ]

    assert twice == 409
    assert image == 409
    assert [status for status, _ in gone] == [404] * 6
