"""``Emulator``: a Parallel Works API 4.x platform served over loopback HTTP."""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

import anyio.to_thread
from aiohttp import web
from typing_extensions import Self

from pwasync._routes import Route, build_routes
from pwasync.testing._app import Dispatcher, Router, build_app
from pwasync.testing._context import Server
from pwasync.testing._faults import Faults
from pwasync.testing._oidc import signing_key
from pwasync.testing._ops_ai_chats import CHAT_NAME, CSPS
from pwasync.testing._provisioner import DEFAULT_STEPS, Provisioner, validate_run
from pwasync.testing._state import DEFAULT_STEP_SECONDS, Platform
from pwasync.testing._stats import Stats, StatsRecorder

__all__ = ["Emulator"]

logger = logging.getLogger("pwasync.testing")

DEFAULT_ORG = "emulator"
DEFAULT_USER = "admin"
# How long aclose() lets requests in flight finish before cancelling them.
_SHUTDOWN_SECONDS = 0.25


class Emulator:
    """A Parallel Works API 4.x platform with in-memory state, served on loopback.

    ``async with Emulator() as emu`` binds ``host:port`` (port 0 picks a free
    one) and creates the organization ``emu.org`` with the user ``emu.user``,
    a platform admin and organization admin whose key is ``emu.api_key``.
    API keys have the form ``pwt_<base64url(host)>.<secret>``, where host is
    ``emu.host`` (``127.0.0.1:PORT``), base64url-encoded without padding.

    ``step_seconds`` is the duration of one provisioning step and of one AI
    Chat provisioning or ingestion phase. ``seed`` makes generated ids and keys
    reproducible. ``faults`` injects failures (see ``Faults``). ``routes``
    overrides path templates per operation id, exactly as the client's
    ``routes`` option does. With ``wrap_responses`` (the default), sessions
    and auth methods come wrapped in a key named after their Go struct, and
    images carry the reference sample's extra spellings. ``False`` sends flat
    objects.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        step_seconds: float = DEFAULT_STEP_SECONDS,
        seed: int = 0,
        faults: Faults | None = None,
        routes: Mapping[str, str] | None = None,
        wrap_responses: bool = True,
    ) -> None:
        _check_arguments(port=port, step_seconds=step_seconds, seed=seed)
        if faults is not None and not isinstance(faults, Faults):
            raise TypeError(f"faults must be a pwasync.testing.Faults, got {type(faults).__name__}")
        self._bind = (host, port)
        self._routes = build_routes(routes)
        self._router = Router(self._routes)
        self._faults = faults or Faults()
        self._wrap_responses = wrap_responses
        self._platform = Platform(seed=seed, step_seconds=step_seconds)
        self._stats = StatsRecorder()
        self._provisioner = Provisioner()
        self._dispatcher: Dispatcher | None = None
        self._runner: web.AppRunner | None = None
        self._state = "new"
        self._url = ""
        self._api_key = ""

    # Lifecycle.

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def start(self) -> None:
        """Bind the socket and start serving; ``async with`` calls this for you."""
        if self._state != "new":
            raise RuntimeError(f"an emulator starts only once; this one is {self._state}")
        self._state = "starting"
        try:
            await self._start()
        except BaseException:
            await self.aclose()
            raise
        self._state = "running"
        logger.info("emulator serving on %s", self._url)

    async def _start(self) -> None:
        key = await anyio.to_thread.run_sync(signing_key)
        server = Server(self._platform, self._routes, key, self._wrap_responses)
        self._dispatcher = Dispatcher(server, self._router, self._faults, self._stats)
        self._runner = web.AppRunner(
            build_app(self._dispatcher), access_log=None, shutdown_timeout=_SHUTDOWN_SECONDS
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, self._bind[0], self._bind[1]).start()

        bound_host, bound_port = self._runner.addresses[0][:2]
        host = f"[{bound_host}]" if ":" in bound_host else bound_host
        self._platform.host = f"{host}:{bound_port}"
        self._url = f"http://{self._platform.host}"
        server.base_url = self._url
        self._api_key = self.add_user(DEFAULT_USER, org=DEFAULT_ORG, admin=True, org_admin=True)

    async def aclose(self) -> None:
        """Stop provisioning runs and the server; idempotent."""
        if self._state == "closed":
            return
        self._state = "closed"
        # Shielded so that a cancelled caller (such as on Ctrl-C) still closes the socket.
        with anyio.CancelScope(shield=True):
            await self._provisioner.aclose()
            if self._runner is not None:
                await self._runner.cleanup()
                self._runner = None
                logger.info("emulator on %s stopped", self._url)

    def __del__(self, _warn: Any = warnings.warn) -> None:
        if getattr(self, "_state", "closed") in ("starting", "running"):
            _warn(
                f"Emulator on {self._url or 'an unbound port'} was not closed; "
                "use 'async with Emulator()' or await aclose()",
                ResourceWarning,
                source=self,
            )

    def _require_running(self) -> None:
        if self._state != "running":
            raise RuntimeError(
                f"the emulator is {self._state}; use it inside 'async with Emulator() as emu'"
            )

    # Addresses and identities.

    @property
    def url(self) -> str:
        """The base URL, such as ``http://127.0.0.1:PORT``."""
        self._require_running()
        return self._url

    @property
    def host(self) -> str:
        """The host encoded in API keys and tokens, such as ``127.0.0.1:PORT``."""
        self._require_running()
        return self._platform.host

    @property
    def org(self) -> str:
        """The default organization."""
        return DEFAULT_ORG

    @property
    def user(self) -> str:
        """The default user: a platform admin and an admin of ``org``."""
        return DEFAULT_USER

    @property
    def api_key(self) -> str:
        """The API key of ``user``."""
        self._require_running()
        return self._api_key

    @property
    def step_seconds(self) -> float:
        return self._platform.step_seconds

    @property
    def routes(self) -> Mapping[str, Route]:
        """The route table served: operation id -> method and path template."""
        return dict(self._routes)

    def add_user(
        self,
        name: str,
        *,
        org: str | None = None,
        admin: bool = False,
        org_admin: bool = False,
        team: str | None = None,
    ) -> str:
        """Create a user with two seeded sessions and return its API key.

        ``org`` defaults to ``self.org`` and is created if new. ``admin`` makes
        a platform admin, ``org_admin`` an organization admin, and ``team`` puts
        the user in a team of its organization. Raises ``ValueError`` if the
        name is taken.
        """
        if self._state not in ("starting", "running"):
            self._require_running()
        return self._platform.add_user(
            name, org=org or DEFAULT_ORG, admin=admin, org_admin=org_admin, team=team
        )

    def api_key_for(self, user: str) -> str:
        """Mint another API key for an existing ``user``."""
        self._require_running()
        if user not in self._platform.users:
            raise ValueError(f"unknown user {user!r}; create it with add_user() first")
        return self._platform.issue_api_key(user)

    def token_for(self, user: str, *, expires_in: float = 3600.0) -> str:
        """Mint an RS256 JWT for ``user``, accepted as ``Authorization: Bearer``.

        The token carries ``sub``, ``org`` and ``platform_host`` claims and
        expires after ``expires_in`` seconds (a negative value mints an expired
        token, for testing rejection).
        """
        self._require_running()
        record = self._platform.users.get(user)
        if record is None:
            raise ValueError(f"unknown user {user!r}; create it with add_user() first")
        assert self._dispatcher is not None
        server = self._dispatcher.server
        claims = {
            "iss": server.issuer,
            "sub": record.name,
            "org": record.org,
            "platform_host": self._platform.host,
            "aud": self._url,
        }
        return server.key.sign(claims, expires_in=expires_in)

    # Platform contents.

    def add_session(self, namespace: str, name: str, **fields: Any) -> dict[str, Any]:
        """Create a session in ``namespace`` and return its wire object.

        ``fields`` are laid over realistic defaults. They are wire field names
        (``remotePort=8888``), and snake_case names (``remote_port=8888``) are
        converted to them. Names the API does not list are kept as extra fields.
        """
        self._require_running()
        return self._platform.add_session(namespace, name, **fields)

    def add_cluster_session(
        self, org: str, namespace: str, cluster: str, *, session_number: int = 1
    ) -> str:
        """Register a cluster session, as the platform does when it starts, and return its infraId.

        Calling it again for the same session returns the same infraId. Its
        provision status stays ``null`` until an agent sends the first update.
        """
        self._require_running()
        if isinstance(session_number, bool) or not isinstance(session_number, int):
            raise ValueError(f"session_number must be an integer, got {session_number!r}")
        if session_number < 1:
            raise ValueError(f"session_number must be >= 1, got {session_number}")
        return self._platform.add_cluster_session(org, namespace, cluster, session_number)

    def start_provisioning(
        self,
        org: str,
        namespace: str,
        cluster: str,
        *,
        session_number: int = 1,
        steps: Sequence[str] | None = None,
        step_seconds: float | None = None,
        fail_at: str | None = None,
    ) -> str:
        """Start a simulated provisioning run of a new cluster session; return its infraId.

        ``steps`` defaults to ``DEFAULT_STEPS``. Each step takes
        ``step_seconds`` (default: the emulator's). With ``fail_at`` that step
        ends ``failed`` with an error text and the run stops. The provision
        status is ``null`` for the first quarter step, then lists every step
        as ``pending``. Raises ``ValueError`` for bad options or a cluster
        session that already has steps.

        The run belongs to cluster session ``session_number`` of ``cluster``
        in ``org`` and ``namespace``, registered as ``add_cluster_session``
        does. ``pw.provision_status`` reads it by the returned infraId, and
        ``pw.clusters.update_provision_status`` addresses the same session by
        org, namespace, cluster and session number. A session from
        ``add_session`` is a separate record, even under the same name.
        """
        self._require_running()
        seconds = self._platform.step_seconds if step_seconds is None else step_seconds
        names = validate_run(DEFAULT_STEPS if steps is None else steps, fail_at, seconds)
        infra_id = self.add_cluster_session(org, namespace, cluster, session_number=session_number)
        session = self._platform.infra[infra_id]
        if session.steps is not None:
            raise ValueError(
                f"cluster session {org}/{namespace}/{cluster}/{session_number} already has "
                "provision steps; start another session_number"
            )
        self._provisioner.start(session, names, step_seconds=seconds, fail_at=fail_at)
        return infra_id

    def add_ai_chat(
        self,
        org: str,
        namespace: str,
        name: str,
        *,
        csp: str = "aws",
        bucket_id: str | None = None,
    ) -> dict[str, Any]:
        """Create an AI Chat, optionally with a bucket attached, and return its wire object.

        The chat provisions for ``step_seconds`` and then ingests its documents
        for another ``step_seconds``, as one created through the API does.
        Raises ``ValueError`` for a name or csp that the API rejects, or for a
        chat that already exists.
        """
        self._require_running()
        if not CHAT_NAME.match(name):
            raise ValueError(
                f"invalid AI Chat name {name!r}: use 1 to 63 letters, digits, '.', '_' or '-', "
                "starting with a letter or digit"
            )
        if csp not in CSPS:
            raise ValueError(f"invalid csp {csp!r}: choose one of {', '.join(sorted(CSPS))}")
        if (org, namespace, name) in self._platform.ai_chats:
            raise ValueError(f"AI Chat {name!r} already exists in {org}/{namespace}")
        self._platform.add_org(org)
        # The same extra fields as a chat created through the API, all empty.
        chat = self._platform.add_ai_chat(
            org, namespace, name, csp, {}, description="", tags="", team="", baseInfraId=""
        )
        if bucket_id is not None:
            chat.buckets[bucket_id] = None
        return chat.to_wire(self._platform.now())

    def provision_status(self, infra_id: str) -> list[dict[str, Any]] | None:
        """Return the wire provision status of ``infra_id`` (``None`` before the first step)."""
        session = self._platform.infra.get(infra_id)
        if session is None:
            raise KeyError(f"unknown infraId {infra_id!r}")
        return session.to_wire()

    # Faults and statistics.

    @property
    def faults(self) -> Faults:
        """The faults in force; assign a new ``Faults`` to change them while serving."""
        return self._faults

    @faults.setter
    def faults(self, faults: Faults | None) -> None:
        if faults is not None and not isinstance(faults, Faults):
            raise TypeError(f"faults must be a pwasync.testing.Faults, got {type(faults).__name__}")
        self._faults = faults or Faults()
        if self._dispatcher is not None:
            self._dispatcher.set_faults(self._faults)

    @property
    def stats(self) -> Stats:
        """A snapshot of request statistics since start or ``reset_stats()``."""
        return self._stats.snapshot()

    def reset_stats(self) -> None:
        """Zero the request statistics."""
        self._stats.reset()

    @property
    def active_runs(self) -> int:
        """The number of provisioning runs still advancing."""
        return self._provisioner.active_runs


def _check_arguments(*, port: object, step_seconds: object, seed: object) -> None:
    if isinstance(port, bool) or not isinstance(port, int):
        raise TypeError(f"port must be an int, got {type(port).__name__} {port!r}")
    if not 0 <= port <= 65535:
        raise ValueError(f"port must be from 0 to 65535 (0 picks a free port), got {port}")
    if isinstance(step_seconds, bool) or not isinstance(step_seconds, (int, float)):
        raise TypeError(
            f"step_seconds must be a number of seconds, got {type(step_seconds).__name__} "
            f"{step_seconds!r}"
        )
    if not (math.isfinite(step_seconds) and step_seconds > 0):
        raise ValueError(
            f"step_seconds must be a finite positive number of seconds, got {step_seconds!r}"
        )
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {type(seed).__name__} {seed!r}")
