"""The emulator's aiohttp application: routing, faults, authentication, the error envelope.

Every request goes through one handler, ``Dispatcher.handle``. It counts the
request and injects the fault that the ``Faults`` in force pick for it. Then it
matches the route table, authenticates the caller and runs the operation. Any
error becomes the platform's ``{"error": true, "message", "code"}`` envelope.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import math
import re
import socket
import struct
import time
import uuid
from collections.abc import Mapping
from email.utils import formatdate
from urllib.parse import unquote

import attrs
from aiohttp import web

from pwasync._routes import Route
from pwasync.testing import _ops_ai_chats, _ops_auth, _ops_platform, _ops_sessions
from pwasync.testing._context import PUBLIC_OPERATIONS, Context, Handler, Server
from pwasync.testing._faults import Decision, FaultInjector, Faults
from pwasync.testing._state import User
from pwasync.testing._stats import StatsRecorder
from pwasync.testing._wire import WireError, envelope, unauthorized

__all__ = ["HANDLERS", "Dispatcher", "Router"]

logger = logging.getLogger("pwasync.testing")

HANDLERS: dict[str, Handler] = {
    **_ops_auth.HANDLERS,
    **_ops_ai_chats.HANDLERS,
    **_ops_platform.HANDLERS,
    **_ops_sessions.HANDLERS,
}

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_HTML_PROXY_PAGE = (
    "<html><head><title>502 Bad Gateway</title></head><body>"
    "<center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center>"
    "</body></html>"
)


@attrs.frozen
class _CompiledRoute:
    route: Route
    pattern: re.Pattern[str]


def _compile(route: Route) -> _CompiledRoute:
    parts = _PLACEHOLDER.split(route.path)
    # split() alternates literal text and placeholder names.
    regex = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{part}>[^/]+)"
        for index, part in enumerate(parts)
    )
    return _CompiledRoute(route, re.compile(f"^{regex}$"))


class Router:
    """Match a method and raw path against a route table.

    Routes with fewer placeholders are tried first, so a literal path wins
    over a template that would also match it.
    """

    def __init__(self, routes: Mapping[str, Route]) -> None:
        missing = sorted(set(HANDLERS) - set(routes))
        if missing:
            raise ValueError(f"the route table lacks the operations {', '.join(missing)}")
        seen: dict[tuple[str, str], str] = {}
        for route in routes.values():
            shape = (route.method, _PLACEHOLDER.sub("{}", route.path))
            if shape in seen:
                raise ValueError(
                    f"routes {seen[shape]!r} and {route.operation!r} both serve "
                    f"{route.method} {route.path}; give one of them another path"
                )
            seen[shape] = route.operation
        ordered = sorted(routes.values(), key=lambda r: (len(r.params), r.path))
        self._routes = [_compile(route) for route in ordered]

    def match(self, method: str, raw_path: str) -> tuple[Route, dict[str, str]]:
        """Return the route and decoded path parameters; raise 404 or 405 ``WireError``."""
        allowed: set[str] = set()
        for compiled in self._routes:
            found = compiled.pattern.match(raw_path)
            if found is None:
                continue
            if compiled.route.method != method:
                allowed.add(compiled.route.method)
                continue
            params = {name: unquote(value) for name, value in found.groupdict().items()}
            return compiled.route, params
        if allowed:
            raise WireError(
                405,
                f"method {method} is not allowed on {unquote(raw_path)}; "
                f"allowed: {', '.join(sorted(allowed))}",
                code="method_not_allowed",
                headers={"Allow": ", ".join(sorted(allowed))},
            )
        raise WireError(404, f"no route for {method} {unquote(raw_path)}", code="not_found")


def _retry_after(seconds: float, form: str) -> str:
    whole = max(1, math.ceil(seconds))
    if form == "http-date":
        return formatdate(math.ceil(time.time()) + whole, usegmt=True)
    return str(whole)


def _abort_with_reset(request: web.Request) -> None:
    """Close the connection with a TCP reset, so that no response reaches the client."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        # A zero linger time makes close() send RST instead of FIN.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


class Dispatcher:
    """The one aiohttp handler of the emulator."""

    def __init__(
        self, server: Server, router: Router, faults: Faults, stats: StatsRecorder
    ) -> None:
        self.server = server
        self.router = router
        self.stats = stats
        self.injector = FaultInjector(faults)

    def set_faults(self, faults: Faults) -> None:
        """Put ``faults`` in force, with a fresh generator and empty token buckets."""
        self.injector = FaultInjector(faults)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        raw_path = request.rel_url.raw_path
        try:
            route, params = self.router.match(request.method, raw_path)
            matched: WireError | tuple[Route, dict[str, str]] = (route, params)
        except WireError as error:
            matched = error
        operation = matched[0].operation if isinstance(matched, tuple) else None
        request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex
        self.stats.started(request.method, operation)
        status: int | None = None
        try:
            response = await self._respond(request, matched)
            if response is None:
                _abort_with_reset(request)
                return web.Response(status=500)
            response.headers["X-Request-Id"] = request_id
            response.headers["Server"] = "pwasync-emulator"
            status = response.status
            return response
        finally:
            self.stats.finished(status)

    async def _respond(
        self, request: web.Request, matched: WireError | tuple[Route, dict[str, str]]
    ) -> web.StreamResponse | None:
        """Return the response, or ``None`` when the connection must be reset."""
        injector = self.injector
        faults = injector.faults
        credential = request.headers.get("Authorization", "")
        decision = injector.decide(credential, time.monotonic())
        if faults.latency:
            await asyncio.sleep(faults.latency)
        if decision.kind is not None:
            self.stats.fault(decision.kind)
        if decision.kind == "reset":
            return None
        if decision.kind == "stall":
            await asyncio.sleep(faults.stall_seconds)
        elif decision.kind is not None:
            return self._fault_response(decision, faults)

        try:
            if isinstance(matched, WireError):
                raise matched
            route, params = matched
            return await self._run(request, route, params)
        except WireError as error:
            logger.debug(
                "emulator returned %d (%s) to %s %s",
                error.status,
                error.code,
                request.method,
                request.path,
            )
            return envelope(error.status, error.message, error.code, error.headers)
        except web.HTTPException as error:
            logger.debug(
                "emulator returned %d to %s %s", error.status, request.method, request.path
            )
            return envelope(error.status, error.reason, None, {})
        except ConnectionResetError:
            # The client left before the handler read its body, such as after
            # giving up on a stall. No status is counted, as for a reset.
            logger.debug("client closed the connection during %s %s", request.method, request.path)
            return None
        except Exception as error:
            logger.exception("emulator handler failed on %s %s", request.method, request.path)
            message = f"internal error in the emulator: {type(error).__name__}"
            return envelope(500, message, "internal", {})

    def _fault_response(self, decision: Decision, faults: Faults) -> web.Response:
        if decision.kind == "html_error":
            return web.Response(status=502, text=_HTML_PROXY_PAGE, content_type="text/html")
        if decision.kind in ("rate_limit", "throttle"):
            retry_after = _retry_after(decision.retry_after, faults.retry_after_form)
            message = "rate limit exceeded; retry after the time in Retry-After"
            return envelope(429, message, "rate_limited", {"Retry-After": retry_after})
        codes = {500: "internal", 502: "bad_gateway", 503: "unavailable"}
        headers = {}
        if decision.status == 503:
            headers["Retry-After"] = _retry_after(faults.retry_after, faults.retry_after_form)
        message = f"simulated server error {decision.status}"
        return envelope(decision.status, message, codes[decision.status], headers)

    async def _run(
        self, request: web.Request, route: Route, params: dict[str, str]
    ) -> web.StreamResponse:
        caller = None
        if route.operation not in PUBLIC_OPERATIONS:
            caller = self._authenticate(request)
        context = Context(self.server, request, params, caller)
        return await HANDLERS[route.operation](context)

    def _authenticate(self, request: web.Request) -> User:
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.strip().partition(" ")
        value = value.strip()
        if not header:
            raise unauthorized(
                "missing credentials: send the API key as the HTTP Basic user name "
                "or a token as 'Authorization: Bearer <token>'"
            )
        if scheme.lower() == "basic":
            return self._user_for_key(value)
        if scheme.lower() == "bearer":
            return self._user_for_token(value)
        raise unauthorized(f"unsupported authorization scheme {scheme!r}: use Basic or Bearer")

    def _user_for_key(self, value: str) -> User:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raise unauthorized("malformed Basic credentials: expected base64 of 'key:'") from None
        key = decoded.partition(":")[0]
        name = self.server.platform.api_keys.get(key)
        if name is None:
            raise unauthorized("unknown API key")
        return self.server.platform.users[name]

    def _user_for_token(self, token: str) -> User:
        import jwt

        try:
            claims = self.server.key.verify(token)
        except jwt.InvalidTokenError as error:
            raise unauthorized(f"invalid token: {error}") from None
        if claims.get("platform_host") != self.server.platform.host:
            raise unauthorized("token was issued for another platform host")
        user = self.server.platform.users.get(str(claims["sub"]))
        if user is None:
            raise unauthorized("token subject is not a known user")
        return user


def build_app(dispatcher: Dispatcher) -> web.Application:
    """Return an aiohttp application that sends every request to ``dispatcher``."""
    app = web.Application()
    # [\s\S] and not ".", which would leave paths with an encoded newline to aiohttp.
    app.router.add_route("*", r"/{tail:[\s\S]*}", dispatcher.handle)
    return app
