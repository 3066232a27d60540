"""Route overrides and base URLs that would corrupt the request line are rejected up front."""

from __future__ import annotations

import pytest

from pwasync import Client

from ._scripted import API_KEY, scripted

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("path", "character"),
    [
        ("/api/auth/whoami HTTP/1.1\r\nX-Forged: 1\r\n\r\nGET /x", "' '"),
        ("/api/auth/who\r\nami", "'\\r'"),
        ("/api/auth/whoami?admin=1", "'?'"),
        ("/api/auth/whoami#top", "'#'"),
        ("/api/auth/\x00whoami", "'\\x00'"),
        ("/api/auth/whoami/{}", "'{'"),
        ("/api/auth/who%zzami", "'%'"),
    ],
    ids=["request-line", "crlf", "query", "fragment", "nul", "empty-braces", "bad-escape"],
)
async def test_route_override_bad_character(path: str, character: str) -> None:
    """A route override with a character a URL path cannot hold raises ValueError naming it."""
    async with scripted(["alice"]) as server:
        with pytest.raises(ValueError, match="cannot contain unencoded") as caught:
            Client(api_key=API_KEY, base_url=server.url, routes={"auth.whoami": path})

    assert f"contains {character}" in str(caught.value)
    assert server.requests == 0


async def test_route_override_percent_escape_kept() -> None:
    """A route override with a valid percent-escape is accepted and used."""
    async with (
        scripted(["alice"]) as server,
        Client(
            api_key=API_KEY, base_url=server.url, routes={"auth.whoami": "/api/auth/who%61mi"}
        ) as pw,
    ):
        name = await pw.auth.whoami()

    assert name == "alice"
    assert server.requests == 1


def test_routes_as_list_rejected() -> None:
    """Routes given as a list of pairs raise TypeError that shows the expected mapping."""
    with pytest.raises(TypeError, match=r"routes must be a mapping .* got list"):
        Client(
            api_key=API_KEY,
            base_url="http://127.0.0.1:1",
            routes=[("auth.whoami", "/api/auth/whoami")],  # type: ignore[arg-type]
        )


@pytest.mark.parametrize(
    ("base_url", "character"),
    [
        ("http://127.0.0.1:1/api\x00", "'\\x00'"),
        ("http://127.0.0.1:1/a\r\nX-Forged: 1", "'\\r'"),
        ("http://127.0.0.1:1/a\tb", "'\\t'"),
        ("http://127.0.0.1:1/a b", "' '"),
        ("http://127.0.0.1\x7f:1", "'\\x7f'"),
    ],
    ids=["nul", "crlf", "tab", "space", "delete"],
)
def test_base_url_bad_character(base_url: str, character: str) -> None:
    """A base URL with whitespace or a control character inside raises ValueError naming it."""
    with pytest.raises(ValueError, match="whitespace or control characters") as caught:
        Client(api_key=API_KEY, base_url=base_url)

    assert f"contains {character}" in str(caught.value)


def test_base_url_outer_spaces_stripped() -> None:
    """Spaces around a base URL are still stripped, as before."""
    client = Client(api_key=API_KEY, base_url="  http://127.0.0.1:1/  ")

    assert client.base_url == "http://127.0.0.1:1"
