"""Credentials, the host they encode, the environment, and base URL checks."""

from __future__ import annotations

import base64
import json

import pytest

from pwasync import Client, RetryPolicy


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _api_key(host: str) -> str:
    return f"pwt_{_b64url(host.encode())}.s3cr3t"


def _jwt(claims: dict[str, object]) -> str:
    header = _b64url(json.dumps({"alg": "RS256"}).encode())
    return f"{header}.{_b64url(json.dumps(claims).encode())}.signature"


@pytest.mark.parametrize("host", ["cloud.parallel.works", "pw.example.com:8443", "[::1]:9000"])
def test_host_from_api_key(host: str) -> None:
    """Without base_url, the host encoded in an API key gives an https base URL."""
    client = Client(api_key=_api_key(host))

    assert client.base_url == f"https://{host}"


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        ("cloud.parallel.works", "https://cloud.parallel.works"),
        ("https://pw.example", "https://pw.example"),
    ],
)
def test_host_from_jwt_claim(claim: str, expected: str) -> None:
    """Without base_url, a JWT's platform_host claim gives the base URL."""
    client = Client(token=_jwt({"sub": "alice", "platform_host": claim}))

    assert client.base_url == expected


@pytest.mark.parametrize(
    "credential",
    [
        {"api_key": "plainsecret"},
        {"api_key": _api_key("evil.example/steal?x=")},
        {"api_key": _api_key("user@evil.example")},
        {"token": _jwt({"sub": "alice"})},
        {"token": "not-a-jwt"},
    ],
)
def test_no_usable_host(credential: dict[str, str]) -> None:
    """A credential without a clean host needs base_url, and the error says so."""
    with pytest.raises(ValueError, match="encodes no host; pass base_url=") as caught:
        Client(**credential)

    assert "s3cr3t" not in str(caught.value)


def test_explicit_base_url_wins() -> None:
    """An explicit base_url overrides the host in the credential."""
    client = Client(api_key=_api_key("a.example"), base_url="https://b.example/api-root/")

    assert client.base_url == "https://b.example/api-root"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, "no credential: pass api_key= or token="),
        ({"api_key": "a", "token": "b"}, "either api_key or token, not both"),
        ({"api_key": "pwt_abc.def\n"}, "whitespace or control characters"),
        ({"api_key": ""}, "empty"),
    ],
)
def test_bad_credentials(arguments: dict[str, str], message: str) -> None:
    """Missing, doubled or malformed credentials raise ValueError without echoing them."""
    with pytest.raises(ValueError, match=message) as caught:
        Client(base_url="https://pw.example", **arguments)

    assert "pwt_abc" not in str(caught.value)


def test_credential_type_checked() -> None:
    """A credential that is not a string raises TypeError."""
    with pytest.raises(TypeError, match="api_key must be a string, got bytes"):
        Client(api_key=b"pwt_x.y", base_url="https://pw.example")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080", "http://localhost:9000/", "http://[::1]:80", "http://127.8.9.1"],
)
def test_plain_http_to_loopback_allowed(url: str) -> None:
    """Plain http is fine for loopback hosts."""
    client = Client(api_key="pwt_x.y", base_url=url)

    assert client.base_url == url.rstrip("/")


def test_plain_http_elsewhere_rejected() -> None:
    """Plain http to another host is rejected unless explicitly allowed."""
    with pytest.raises(ValueError, match="allow_insecure_http=True"):
        Client(api_key="pwt_x.y", base_url="http://pw.example")

    client = Client(api_key="pwt_x.y", base_url="http://pw.example", allow_insecure_http=True)

    assert client.base_url == "http://pw.example"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://pw.example", "absolute http:// or https:// URL"),
        ("pw.example", "absolute http:// or https:// URL"),
        ("https://user:pw@pw.example", "must not contain user info"),
        ("https://pw.example/?a=1", "query or a fragment"),
        ("https://pw.example:99999", "invalid port"),
    ],
)
def test_bad_base_url(url: str, message: str) -> None:
    """A base URL that is not a plain absolute http(s) URL raises ValueError."""
    with pytest.raises(ValueError, match=message):
        Client(api_key="pwt_x.y", base_url=url)


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://pw.example/api", "https://pw.example"),
        ("https://pw.example/api/", "https://pw.example"),
        ("https://pw.example/proxy/api", "https://pw.example/proxy"),
    ],
)
def test_base_url_ending_in_api_rejected(url: str, origin: str) -> None:
    """A base URL ending in /api, which every route adds again, raises naming the fix."""
    with pytest.raises(ValueError, match="ends with '/api'") as raised:
        Client(api_key="pwt_x.y", base_url=url)

    assert f"use the base URL {origin!r} instead" in str(raised.value)


def test_base_url_path_kept_when_routes_differ() -> None:
    """A base URL path is kept when the routes do not all start with its last segment."""
    client = Client(
        api_key="pwt_x.y",
        base_url="https://pw.example/api",
        routes={"auth.whoami": "/whoami"},
    )

    assert client.base_url == "https://pw.example/api"


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"timeout": 0}, ValueError, "timeout must be a finite number"),
        ({"timeout": "5"}, TypeError, "timeout must be a number"),
        ({"max_concurrency": 0}, ValueError, "max_concurrency must be 1 or more"),
        ({"max_concurrency": 2.5}, TypeError, "max_concurrency must be an integer"),
        ({"retry": 3}, TypeError, "retry must be a RetryPolicy"),
        ({"max_response_bytes": 0}, ValueError, "max_response_bytes must be 1 or more"),
        ({"session": object()}, TypeError, "aiohttp.ClientSession"),
        ({"routes": {"sessions.gte": "/x"}}, ValueError, "unknown operation id"),
    ],
)
def test_bad_options(options: dict[str, object], error: type[Exception], message: str) -> None:
    """Options of the wrong type or range raise with the option's name."""
    with pytest.raises(error, match=message):
        Client(api_key="pwt_x.y", base_url="https://pw.example", **options)  # type: ignore[arg-type]


def test_from_env_with_base_url() -> None:
    """from_env reads PW_API_KEY and PW_BASE_URL, and passes other options through."""
    environ = {"PW_API_KEY": "pwt_x.y", "PW_BASE_URL": "http://127.0.0.1:8000"}
    policy = RetryPolicy(attempts=2)

    client = Client.from_env(environ=environ, retry=policy)

    assert client.base_url == "http://127.0.0.1:8000"
    assert client.retry_policy is policy


def test_from_env_with_platform_host() -> None:
    """PW_PLATFORM_HOST names the host when no base URL is set."""
    client = Client.from_env(environ={"PW_API_KEY": "pwt_x.y", "PW_PLATFORM_HOST": "pw.example"})

    assert client.base_url == "https://pw.example"


def test_from_env_with_key_host_and_token() -> None:
    """The key's host is the fallback, and PW_TOKEN works like PW_API_KEY."""
    from_key = Client.from_env(environ={"PW_API_KEY": _api_key("pw.example")})
    from_token = Client.from_env(environ={"PW_TOKEN": _jwt({"platform_host": "pw.example"})})

    assert from_key.base_url == "https://pw.example"
    assert from_token.base_url == "https://pw.example"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "set PW_API_KEY"),
        ({"PW_API_KEY": "", "PW_BASE_URL": "https://pw.example"}, "set PW_API_KEY"),
        ({"PW_API_KEY": "pwt_x.y"}, "set PW_PLATFORM_HOST .* or PW_BASE_URL"),
        ({"PW_API_KEY": "pwt_x.y", "PW_TOKEN": "t.u.v"}, "unset one of them"),
    ],
)
def test_from_env_missing(environ: dict[str, str], message: str) -> None:
    """A missing credential or host raises ValueError naming the variables."""
    with pytest.raises(ValueError, match=message):
        Client.from_env(environ=environ)
