"""Bad input from the user: rejected with a clear error, or encoded so it stays one value.

Path parameters are percent-encoded into exactly one segment, and query
values into exactly one parameter. A recording server checks the raw bytes
on the wire, so no value can add a path segment, climb to another path, or
smuggle in another query parameter.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl, unquote

import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pwasync import Client, PWAsyncError, RetryPolicy
from pwasync._routes import ROUTES

from ._support import serve

pytestmark = pytest.mark.anyio

API_KEY = "pwt_MTI3LjAuMC4x.user-input-key"
NO_RETRY = RetryPolicy(attempts=1)

TRICKY_NAMES = [
    "a/b",
    "../admin",
    "..%2fadmin",
    "%2e%2e",
    "a\\b",
    "x?admin=true",
    "x#fragment",
    "x;y=1",
    "with space",
    "tab\tand\nnewline",
    "nul\x00byte",
    "naïve-日本語-🚀",
    "...",
    "~user",
    "a" * 300,
]

Call = Callable[[Client, str], Awaitable[object]]

# One call per operation with path parameters; ``value`` goes into the parameter named.
PATH_CALLS: list[tuple[str, str, Call]] = [
    ("sessions.get", "name", lambda pw, value: pw.sessions.get("alice", value)),
    ("sessions.get", "namespace", lambda pw, value: pw.sessions.get(value, "desktop")),
    ("sessions.delete", "name", lambda pw, value: pw.sessions.delete("alice", value)),
    (
        "sessions.update_access",
        "name",
        lambda pw, value: pw.sessions.update_access("alice", value, access=True),
    ),
    ("images.delete", "name", lambda pw, value: pw.images.delete(value)),
    ("ai_chats.get", "orgName", lambda pw, value: pw.ai_chats.get(value, "alice", "chat")),
    (
        "ai_chats.attach_bucket",
        "bucketId",
        lambda pw, value: pw.ai_chats.attach_bucket("acme", "alice", "chat", value),
    ),
    ("provision_status.get", "infraId", lambda pw, value: pw.provision_status.get("acme", value)),
    (
        "clusters.update_provision_status",
        "clusterName",
        lambda pw, value: pw.clusters.update_provision_status(
            "acme", "alice", value, 1, step_id="s", status="pending"
        ),
    ),
    ("auth.oidc_redirect", "authID", lambda pw, value: pw.auth.oidc_redirect_url(value)),
]


async def _ok(request: web.BaseRequest) -> web.StreamResponse:
    return web.Response(status=204)


def _check_one_segment(raw_path: str, operation: str, parameter: str, value: str) -> None:
    """Assert that ``raw_path`` is the route's template with ``value`` as one whole segment."""
    template = ROUTES[operation].path.split("/")
    sent = raw_path.split("?", 1)[0].split("/")
    assert len(sent) == len(template), raw_path
    for expected, segment in zip(template, sent, strict=True):
        if expected == "{" + parameter + "}":
            assert unquote(segment, errors="strict") == value
            assert segment not in (".", "..")
            assert all(char not in segment for char in "/?#\\ ")
        elif not expected.startswith("{"):
            assert segment == expected


async def _call(pw: Client, call: Call, value: str) -> None:
    # The recording server's empty response need not decode, because only the wire counts.
    with contextlib.suppress(PWAsyncError):
        await call(pw, value)


async def test_path_parameters_stay_one_segment() -> None:
    """Slashes, dots, query and fragment marks, controls and unicode stay inside one segment."""
    async with (
        serve(_ok) as server,
        Client(api_key=API_KEY, base_url=server.url, retry=NO_RETRY) as pw,
    ):
        for operation, parameter, call in PATH_CALLS:
            for value in TRICKY_NAMES:
                server.seen.clear()

                await _call(pw, call, value)

                assert len(server.seen) == 1, (operation, value)
                _check_one_segment(server.seen[0].raw_path, operation, parameter, value)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(value=st.text(st.characters(codec="utf-8"), min_size=1))
async def test_any_text_stays_one_segment(value: str) -> None:
    """Any non-empty text, other than '.' and '..', is sent as exactly one path segment."""
    async with (
        serve(_ok) as server,
        Client(api_key=API_KEY, base_url=server.url, retry=NO_RETRY) as pw,
    ):
        if value in (".", ".."):
            with pytest.raises(ValueError, match="relative path segment"):
                await pw.sessions.get("alice", value)
            assert server.seen == []
            return

        await _call(pw, lambda pw, value: pw.sessions.get("alice", value), value)

    assert len(server.seen) == 1
    _check_one_segment(server.seen[0].raw_path, "sessions.get", "name", value)


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        ("", ValueError, "must not be empty"),
        (".", ValueError, "relative path segment"),
        ("..", ValueError, "relative path segment"),
        (None, TypeError, "must be a string"),
        (b"name", TypeError, "must be a string"),
        (True, TypeError, "must be a string"),
        (1.5, TypeError, "must be a string"),
        (["a", "b"], TypeError, "must be a string"),
        ("\ud800", ValueError, "path parameter name"),
    ],
)
async def test_bad_path_parameter_rejected(
    value: object, error: type[Exception], message: str
) -> None:
    """Empty, relative, non-text and unencodable path parameters fail before any request."""
    async with serve(_ok) as server, Client(api_key=API_KEY, base_url=server.url) as pw:
        with pytest.raises(error, match=message):
            await pw.sessions.get("alice", value)  # type: ignore[arg-type]

    assert server.seen == []


async def test_query_values_stay_one_parameter() -> None:
    """Query values and names with '&', '=', '#' and unicode arrive as exactly the given pairs."""
    queries = [
        {"audience": "a&admin=true"},
        {"audience": "x#y", "run": "1=2"},
        {"a&b": "c", "d=e": "f"},
        {"audience": "naïve 日本 🚀", "workflow": "%41"},
        {"audience": "line\nbreak"},
    ]
    async with (
        serve(_ok) as server,
        Client(api_key=API_KEY, base_url=server.url, retry=NO_RETRY) as pw,
    ):
        for query in queries:
            server.seen.clear()

            with contextlib.suppress(PWAsyncError):
                await pw.auth.workflow_oidc_token(**query)

            raw_query = server.seen[0].raw_path.split("?", 1)[1]
            assert dict(parse_qsl(raw_query, keep_blank_values=True, strict_parsing=True)) == query
            assert server.seen[0].raw_path.startswith("/api/auth/oidc/token/workflow?")

        for region in ("eu&csp=aws", "us west", "ü"):
            server.seen.clear()

            await _call(pw, lambda pw, value: pw.images.list(region=value), region)

            raw_query = server.seen[0].raw_path.split("?", 1)[1]
            assert parse_qsl(raw_query, strict_parsing=True) == [("region", region)]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda pw: pw.images.list(csp="\ud800aws"), "query parameter csp contains a lone"),
        (
            lambda pw: pw.auth.workflow_oidc_token(**{"\udc80": "x"}),
            "a query parameter name contains a lone",
        ),
        (lambda pw: pw.images.create(name=5, csp="aws"), "name must be a string"),
        (lambda pw: pw.images.create(name="a", csp=None), "csp must be a string"),
        (lambda pw: pw.images.create(name="a", csp="aws", published="yes"), "published"),
        (lambda pw: pw.images.list(csp=1), "csp must be a string"),
        (lambda pw: pw.auth.workflow_oidc_token(audience=5), "audience must be a string"),
        (lambda pw: pw.sessions.update("a", "b", remote_port="80"), "remote_port"),
        (lambda pw: pw.sessions.update("a", "b", local_port=True), "local_port"),
        (lambda pw: pw.sessions.update_access("a", "b", access="yes"), "access"),
        (lambda pw: pw.ai_chats.create("o", "n", name="c", csp="aws", variables=[1]), "variables"),
        (
            lambda pw: pw.ai_chats.attach_bucket("o", "n", "c", "b", refresh_interval=5),
            "refresh_interval",
        ),
        (
            lambda pw: pw.ai_chats.attach_bucket(
                "o", "n", "c", "b", refresh_interval=datetime.timedelta(seconds=-1)
            ),
            "refresh_interval must be positive",
        ),
        (
            lambda pw: pw.clusters.update_provision_status(
                "o", "n", "c", 1, step_id="s", status="done"
            ),
            "status must be one of",
        ),
        (
            lambda pw: pw.clusters.update_provision_status(
                "o", "n", "c", 1, step_id="s", status="pending", logs=5
            ),
            "logs must be",
        ),
        (lambda pw: pw.provision_status.wait("o", "i", interval=0), "interval"),
        (lambda pw: pw.provision_status.wait("o", "i", timeout=-1), "timeout"),
    ],
)
async def test_wrong_argument_types_rejected(
    call: Callable[[Client], Awaitable[object]], message: str
) -> None:
    """Arguments of the wrong type or value fail with an error naming them, sending nothing."""
    async with serve(_ok) as server, Client(api_key=API_KEY, base_url=server.url) as pw:
        with pytest.raises((TypeError, ValueError), match=message):
            await call(pw)

    assert server.seen == []
