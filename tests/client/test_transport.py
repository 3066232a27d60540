"""The request path: concurrency limit, shared cooldown, paths, queries, ids, headers."""

from __future__ import annotations

import asyncio
import base64

import anyio
import pytest
from aiohttp import web

from pwasync import Client, RetryPolicy

from ._support import API_KEY, ScriptedServer, error_reply, json_reply

pytestmark = pytest.mark.anyio


async def _slow_ok(request: web.Request) -> web.StreamResponse:
    await asyncio.sleep(0.03)
    return json_reply(200, "ok")


async def test_concurrency_limit(server: ScriptedServer) -> None:
    """No more than max_concurrency requests of a client are in flight at once."""
    server.default = _slow_ok

    client = Client(api_key=API_KEY, base_url=server.url, max_concurrency=3)

    async with client as pw, anyio.create_task_group() as group:
        for _ in range(12):
            group.start_soon(pw.auth.whoami)

    assert len(server.received) == 12
    assert server.max_in_flight == 3


async def _cooldown_gap(server: ScriptedServer, shared: bool) -> float:
    """Return how long after a 429 (Retry-After 0.3 s) the client's next request arrived."""
    server.script(error_reply(429, "slow down", Retry_After="0.3"))
    server.default = json_reply(200, "ok")
    client = Client(
        api_key=API_KEY,
        base_url=server.url,
        retry=RetryPolicy(shared_cooldown=shared, jitter=False),
    )

    async with client as pw, anyio.create_task_group() as group:
        group.start_soon(pw.auth.whoami)
        with anyio.fail_after(5):
            # Polls client state that no event reports.
            while not server.received or (shared and pw.cooldown.pauses == 0):  # noqa: ASYNC110
                await anyio.sleep(0.005)
        await anyio.sleep(0.02)
        await pw.auth.whoami_organization()

    limited = server.received[0]
    other = next(r for r in server.received if r.raw_path.endswith("/organization"))
    return other.at - limited.at


async def test_shared_cooldown_pauses_client(server: ScriptedServer) -> None:
    """After a 429 with Retry-After, every request of the client waits it out."""
    gap = await _cooldown_gap(server, shared=True)

    assert gap >= 0.28


async def test_independent_retries_without_cooldown(server: ScriptedServer) -> None:
    """With shared_cooldown off, other requests are sent at once."""
    gap = await _cooldown_gap(server, shared=False)

    assert gap < 0.25


async def test_path_parameters_percent_encoded(server: ScriptedServer) -> None:
    """Slashes, spaces and unicode in a name stay inside one path segment."""
    server.default = json_reply(200, {"name": "x"})

    async with Client(api_key=API_KEY, base_url=server.url) as pw:
        await pw.sessions.get("team/a", "my desk ü")
        await pw.sessions.get("..x", "%2e%2e")

    assert server.received[0].raw_path == "/api/sessions/team%2Fa/my%20desk%20%C3%BC"
    assert server.received[1].raw_path == "/api/sessions/..x/%252e%252e"


@pytest.mark.parametrize(
    ("namespace", "error", "message"),
    [
        ("", ValueError, "must not be empty"),
        ("..", ValueError, "relative path segment"),
        (".", ValueError, "relative path segment"),
        (None, TypeError, "must be a string, got NoneType"),
        (True, TypeError, "must be a string, got bool"),
    ],
)
async def test_bad_path_parameters_rejected(
    server: ScriptedServer, namespace: object, error: type[Exception], message: str
) -> None:
    """Empty, dot and non-string path parameters raise before any request."""
    async with Client(api_key=API_KEY, base_url=server.url) as pw:
        with pytest.raises(error, match=message):
            await pw.sessions.get(namespace, "desk")  # type: ignore[arg-type]

    assert server.received == []


async def test_route_override(server: ScriptedServer) -> None:
    """An overridden route fills its placeholders by name, in its own order."""
    server.default = json_reply(200, {"name": "desk"})
    routes = {"sessions.get": "/api/v2/{name}/of/{namespace}"}

    async with Client(api_key=API_KEY, base_url=server.url + "/prefix", routes=routes) as pw:
        await pw.sessions.get("alice", "desk")

    assert server.received[0].raw_path == "/prefix/api/v2/desk/of/alice"


async def test_query_parameters(server: ScriptedServer) -> None:
    """Filters given travel as query parameters; None ones are left out."""
    server.default = json_reply(200, [])

    async with Client(api_key=API_KEY, base_url=server.url) as pw:
        await pw.images.list(csp="aws", region="us east")
        await pw.images.list()

    assert server.received[0].raw_path == "/api/platform/images?csp=aws&region=us+east"
    assert server.received[1].raw_path == "/api/platform/images"


async def test_request_ids(server: ScriptedServer) -> None:
    """Attempts of one call share an X-Request-Id; separate calls get different ones."""
    server.script(error_reply(503, "busy", Retry_After="0"), json_reply(200, "a"))
    server.default = json_reply(200, "b")

    async with Client(api_key=API_KEY, base_url=server.url) as pw:
        await pw.auth.whoami()
        await pw.auth.whoami()

    ids = [request.headers["X-Request-Id"] for request in server.received]
    assert ids[0] == ids[1]
    assert ids[2] != ids[0]


async def test_api_key_as_basic_auth(server: ScriptedServer) -> None:
    """An API key travels as HTTP Basic with the key as user and an empty password."""
    server.default = json_reply(200, "alice")

    async with Client(api_key=API_KEY, base_url=server.url) as pw:
        await pw.auth.whoami()

    scheme, encoded = server.received[0].headers["Authorization"].split(" ")
    assert scheme == "Basic"
    assert base64.b64decode(encoded).decode() == API_KEY + ":"


async def test_token_as_bearer(server: ScriptedServer) -> None:
    """A token travels as a bearer token."""
    server.default = json_reply(200, "alice")

    async with Client(token="header.claims.signature", base_url=server.url) as pw:
        await pw.auth.whoami()

    assert server.received[0].headers["Authorization"] == "Bearer header.claims.signature"


async def test_json_body_sent(server: ScriptedServer) -> None:
    """Body fields travel as camelCase JSON; fields left as None are omitted."""
    server.default = json_reply(200, {"name": "desk"})

    async with Client(api_key=API_KEY, base_url=server.url) as pw:
        await pw.sessions.update("alice", "desk", remote_port=22, target_id="t-1")

    request = server.received[0]
    assert request.method == "PATCH"
    assert request.headers["Content-Type"] == "application/json"
    assert request.body == b'{"remotePort":22,"targetId":"t-1"}'


async def test_provision_logs_base64(server: ScriptedServer) -> None:
    """Provision status logs and errors are sent base64-encoded inside provisionStatus."""
    server.default = web.Response(status=204)

    async with Client(api_key=API_KEY, base_url=server.url) as pw:
        await pw.clusters.update_provision_status(
            "acme", "alice", "hpc", 2, step_id="net", status="failed", logs="ok\n", error="quota"
        )

    assert server.received[0].raw_path == "/api/organizations/acme/clusters/alice/hpc/sessions/2"
    assert server.received[0].body == (
        b'{"provisionStatus":{"id":"net","status":"failed","logs":"b2sK","errorMessage":"cXVvdGE="}}'
    )


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"status": "unknown"}, ValueError, "status must be one of"),
        ({"status": "done"}, ValueError, "status must be one of"),
        ({"status": "pending", "child_action": "remove"}, ValueError, "child_action"),
        ({"status": "pending", "logs": 5}, TypeError, "logs must be str, bytes or None"),
    ],
)
async def test_provision_update_rejects_bad_arguments(
    server: ScriptedServer, options: dict[str, object], error: type[Exception], message: str
) -> None:
    """A status outside the eight, or a bad child action or log type, raises before sending."""
    async with Client(api_key=API_KEY, base_url=server.url) as pw:
        with pytest.raises(error, match=message):
            await pw.clusters.update_provision_status(
                "acme",
                "alice",
                "hpc",
                1,
                step_id="s",
                **options,  # type: ignore[arg-type]
            )

    assert server.received == []


async def test_provision_steps_sorted(server: ScriptedServer) -> None:
    """Steps arrive ordered by index whatever order the server lists them in."""
    steps = [
        {"id": "b", "index": 1, "name": "nodes", "status": "pending"},
        {"id": "a", "index": 0, "name": "network", "status": "provisioning"},
    ]
    server.script(json_reply(200, steps), json_reply(200, None))

    async with Client(api_key=API_KEY, base_url=server.url) as pw:
        snapshot = await pw.provision_status.get("acme", "infra-1")
        empty = await pw.provision_status.get("acme", "infra-1")

    assert [step.name for step in snapshot.steps] == ["network", "nodes"]
    assert empty.steps == ()


async def test_ai_chat_list_envelope(server: ScriptedServer) -> None:
    """AI Chats arrive in an "ai" envelope; an object without it is a validation error."""
    from pwasync import ResponseValidationError

    server.script(json_reply(200, {"ai": [{"name": "helper"}]}), json_reply(200, {"chats": []}))

    async with Client(api_key=API_KEY, base_url=server.url) as pw:
        chats = await pw.ai_chats.list("acme", "alice")
        with pytest.raises(ResponseValidationError, match='"ai" list'):
            await pw.ai_chats.list("acme", "alice")

    assert [chat.name for chat in chats] == ["helper"]
