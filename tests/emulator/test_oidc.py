"""Tokens from the emulator verify against its published key set."""

from __future__ import annotations

from typing import Any

import aiohttp
import jwt
import pytest

from pwasync.testing import Emulator

pytestmark = pytest.mark.anyio


async def get_json(
    http: aiohttp.ClientSession, path: str, headers: dict[str, str], **kw: Any
) -> Any:
    async with http.get(path, headers=headers, **kw) as response:
        assert response.status == 200
        return await response.json()


def verify(token: str, key_set: dict[str, Any], audience: str) -> dict[str, Any]:
    header = jwt.get_unverified_header(token)
    jwk = next(key for key in key_set["keys"] if key["kid"] == header["kid"])
    public_key = jwt.PyJWK(jwk).key
    claims: dict[str, Any] = jwt.decode(token, public_key, algorithms=["RS256"], audience=audience)
    return claims


async def test_oidc_token_verifies_against_keys(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """The oidc_token JWT verifies with the key set that discovery points to."""
    config = await get_json(http, "/api/oidc/.well-known/openid-configuration", {})
    key_set = await get_json(http, config["jwks_uri"].removeprefix(emu.url), {})

    token = await get_json(http, "/api/auth/oidc/token", admin)
    claims = verify(token, key_set, audience=emu.url)

    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    assert claims["iss"] == config["issuer"]
    assert claims["sub"] == emu.user
    assert claims["platform_host"] == emu.host
    assert claims["exp"] > claims["iat"]


async def test_workflow_token_carries_query(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """The workflow token takes its audience and run claims from the query."""
    key_set = await get_json(http, "/api/platform/keys", {})
    query = {"workflow": "train", "run": "12", "audience": "sts.example"}

    token = await get_json(http, "/api/auth/oidc/token/workflow", admin, params=query)
    claims = verify(token, key_set, audience="sts.example")

    assert claims["workflow"] == "train"
    assert claims["run"] == "12"
    assert claims["sub"] == emu.user


async def test_tampered_token_fails_verification(
    http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """A token whose payload was altered no longer verifies against the key set."""
    key_set = await get_json(http, "/api/platform/keys", {})
    token = await get_json(http, "/api/auth/oidc/token", admin)
    header, payload, signature = token.split(".")
    forged = ".".join(
        [header, payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1], signature]
    )

    with pytest.raises(jwt.InvalidTokenError):
        verify(forged, key_set, audience="unused")


async def test_callback_needs_code_and_state(
    http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """The callback accepts a code and state with 204 and rejects a missing one with 400."""
    path = "/api/auth/sso/oidc/callback"

    async with http.get(path, headers=admin, params={"code": "c", "state": "s"}) as response:
        accepted = response.status
    async with http.get(path, headers=admin, params={"code": "c"}) as response:
        missing = response.status
        message = (await response.json())["message"]
    async with http.get(path, headers=admin, params={"error": "access_denied"}) as response:
        denied = response.status

    assert accepted == 204
    assert missing == 400
    assert "'state'" in message
    assert denied == 400


async def test_signing_key_shared_across_emulators() -> None:
    """Emulators in one process publish the same key, generated once."""
    async with Emulator() as first, Emulator() as second, aiohttp.ClientSession() as http:
        one = await get_json(http, f"{first.url}/api/platform/keys", {})
        two = await get_json(http, f"{second.url}/api/platform/keys", {})

    assert one == two
