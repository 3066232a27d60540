"""Mapping of failed requests to the exception tree, with what each error carries."""

from __future__ import annotations

import socket

import pytest
from aiohttp import web

from pwasync import (
    APIError,
    AuthenticationError,
    BadRequestError,
    Client,
    ConflictError,
    ConnectError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeout,
    ResponseTooLargeError,
    ResponseValidationError,
    RetryPolicy,
    ServerError,
    TransportError,
)

from ._support import API_KEY, Reply, ScriptedServer, error_reply, json_reply, reset_reply

NO_RETRY = RetryPolicy(attempts=1)
SESSION_PATH = "/api/sessions/{namespace}/{name}"


def _client(url: str, **options: object) -> Client:
    options.setdefault("retry", NO_RETRY)
    return Client(api_key=API_KEY, base_url=url, **options)  # type: ignore[arg-type]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (418, APIError),
        (422, BadRequestError),
        (429, RateLimitError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (504, ServerError),
    ],
)
async def test_status_maps_to_error_class(
    server: ScriptedServer, status: int, error_class: type[APIError]
) -> None:
    """Each error status raises its class carrying status, method, template, id and message."""
    server.script(
        error_reply(status, "session desk is busy", code="busy", X_Request_Id="server-id-7")
    )

    async with _client(server.url) as pw:
        with pytest.raises(APIError) as caught:
            await pw.sessions.get("alice", "desk")

    error = caught.value
    assert type(error) is error_class
    assert error.status == status
    assert error.method == "GET"
    assert error.path == SESSION_PATH
    assert error.request_id == "server-id-7"
    assert error.message == "session desk is busy"
    assert error.code == "busy"
    assert b"session desk is busy" in error.body
    assert f"GET {SESSION_PATH} returned {status}" in str(error)


@pytest.mark.anyio
async def test_request_id_sent_and_kept(server: ScriptedServer) -> None:
    """Without a server id, the error carries the X-Request-Id the client sent."""
    server.script(error_reply(404, "no such session"))

    async with _client(server.url) as pw:
        with pytest.raises(NotFoundError) as caught:
            await pw.sessions.get("alice", "desk")

    sent = server.received[0].headers["X-Request-Id"]
    assert sent
    assert caught.value.request_id == sent


@pytest.mark.anyio
async def test_html_proxy_page_keeps_body(server: ScriptedServer) -> None:
    """A 502 HTML page from a proxy raises ServerError with the raw page kept."""
    page = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    server.script(_html(502, page))

    async with _client(server.url) as pw:
        with pytest.raises(ServerError) as caught:
            await pw.images.list()

    assert caught.value.status == 502
    assert caught.value.body == page
    assert "text/html" in caught.value.message
    assert "nginx" not in str(caught.value)


def _html(status: int, page: bytes) -> web.Response:
    return web.Response(status=status, body=page, content_type="text/html")


@pytest.mark.anyio
async def test_wrong_typed_field_keeps_body(server: ScriptedServer) -> None:
    """A 200 whose field has the wrong type raises ResponseValidationError with the body."""
    body = b'[{"name": "img", "published": "yes"}]'
    server.script(web.Response(body=body, content_type="application/json"))

    async with _client(server.url) as pw:
        with pytest.raises(ResponseValidationError) as caught:
            await pw.images.list()

    assert caught.value.model == "Image"
    assert caught.value.field == "published"
    assert caught.value.body == body


@pytest.mark.anyio
async def test_success_with_non_json_body(server: ScriptedServer) -> None:
    """A 200 that is not JSON raises ResponseValidationError, never a decoding error."""
    server.script(_html(200, b"<html>maintenance</html>"))

    async with _client(server.url) as pw:
        with pytest.raises(ResponseValidationError, match="not valid JSON") as caught:
            await pw.auth.whoami()

    assert caught.value.body == b"<html>maintenance</html>"


@pytest.mark.anyio
async def test_unexpected_redirect_not_followed(server: ScriptedServer) -> None:
    """A redirect on an API call raises APIError and the Location is never requested."""
    server.script(json_reply(302, {}, headers={"Location": server.url + "/elsewhere"}))

    async with _client(server.url) as pw:
        with pytest.raises(APIError, match="redirect") as caught:
            await pw.auth.whoami()

    assert caught.value.status == 302
    assert [request.raw_path for request in server.received] == ["/api/auth/whoami"]


@pytest.mark.anyio
async def test_connection_refused() -> None:
    """A port that nothing listens on raises ConnectError naming the route."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async with _client(f"http://127.0.0.1:{port}") as pw:
        with pytest.raises(ConnectError, match="cannot connect") as caught:
            await pw.auth.whoami()

    assert caught.value.method == "GET"
    assert caught.value.path == "/api/auth/whoami"
    assert isinstance(caught.value, TransportError)


@pytest.mark.anyio
async def test_connection_reset(server: ScriptedServer) -> None:
    """A connection dropped without a response raises ConnectError."""
    server.default = reset_reply

    async with _client(server.url) as pw:
        with pytest.raises(ConnectError, match="closed the connection"):
            await pw.auth.whoami()


@pytest.mark.anyio
async def test_attempt_timeout(server: ScriptedServer) -> None:
    """A server slower than the timeout raises RequestTimeout."""
    server.script(server.stall)

    async with _client(server.url, timeout=0.2) as pw:
        with pytest.raises(RequestTimeout, match=r"timed out after 0\.2 s"):
            await pw.auth.whoami()


@pytest.mark.anyio
@pytest.mark.parametrize("chunked", [False, True])
async def test_response_over_limit(server: ScriptedServer, chunked: bool) -> None:
    """A body over max_response_bytes raises ResponseTooLargeError, with or without a length."""
    big = b'"' + b"x" * 5000 + b'"'
    server.script(_big_reply(big, chunked))

    async with _client(server.url, max_response_bytes=1000) as pw:
        with pytest.raises(ResponseTooLargeError, match="over the client's limit of 1000"):
            await pw.auth.whoami()


def _big_reply(body: bytes, chunked: bool) -> Reply:
    if not chunked:
        return web.Response(body=body, content_type="application/json")

    async def stream(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(body), 500):
            await response.write(body[start : start + 500])
        await response.write_eof()
        return response

    return stream
