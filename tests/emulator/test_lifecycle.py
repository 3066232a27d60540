"""Emulator lifecycle, statistics, the foreground runner and the pytest plugin."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import subprocess
import sys
import textwrap

import aiohttp
import pytest

from pwasync.testing import Emulator, serve

pytestmark = pytest.mark.anyio


async def test_aclose_idempotent() -> None:
    """aclose() may run twice, and a closed emulator rejects use and restart."""
    emulator = Emulator()
    await emulator.start()
    url = emulator.url

    await emulator.aclose()
    await emulator.aclose()

    with pytest.raises(RuntimeError, match="closed"):
        emulator.url  # noqa: B018
    with pytest.raises(RuntimeError, match="starts only once"):
        await emulator.start()
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.ClientConnectionError):
            await http.get(f"{url}/api/auth/whoami")


async def test_unstarted_emulator_refuses_use() -> None:
    """Attributes that need a bound port raise before the emulator starts."""
    emulator = Emulator()

    with pytest.raises(RuntimeError, match="async with Emulator"):
        emulator.api_key  # noqa: B018

    await emulator.aclose()


async def test_constructor_rejects_bad_options() -> None:
    """Bad constructor options raise at once, naming the option."""
    with pytest.raises(ValueError, match="step_seconds"):
        Emulator(step_seconds=0)
    with pytest.raises(TypeError, match="Faults"):
        Emulator(faults={"error_rate": 0.1})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown operation id"):
        Emulator(routes={"sessions.fetch": "/x"})


async def test_add_user_creates_org(emu: Emulator, http: aiohttp.ClientSession) -> None:
    """add_user() returns a working key, creates a new org, and rejects a taken name."""
    key = emu.add_user("ivy", org="research")
    from base64 import b64encode

    headers = {"Authorization": "Basic " + b64encode(f"{key}:".encode()).decode()}
    async with http.get("/api/auth/whoami/organization", headers=headers) as response:
        org = await response.json()
    async with http.get("/api/sessions", headers=headers) as response:
        sessions = await response.json()

    assert org == "research"
    assert sorted(s["name"] for s in sessions) == ["desktop", "jupyter"]
    with pytest.raises(ValueError, match="already exists"):
        emu.add_user("ivy")


async def test_session_url_uses_emulator_origin(emu: Emulator) -> None:
    """A session's url starts with the emulator's own scheme and address, plain http."""
    session = emu.add_session(emu.user, "notebook")

    assert session["url"] == f"{emu.url}/me/{emu.user}/notebook/"


async def test_stats_count_methods_and_statuses(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """Stats count requests per operation, method and status; reset_stats() zeroes them."""
    path = f"/api/organizations/{emu.org}/ai/{emu.user}"
    async with http.post(path, headers=admin, json={"name": "kb", "csp": "aws"}):
        pass
    async with http.get(path, headers=admin):
        pass
    async with http.get("/api/missing", headers=admin):
        pass

    stats = emu.stats
    emu.reset_stats()
    cleared = emu.stats

    assert stats.requests == 3
    assert dict(stats.by_method) == {"POST": 1, "GET": 2}
    assert dict(stats.by_operation) == {"ai_chats.create": 1, "ai_chats.list": 1}
    assert dict(stats.by_status) == {201: 1, 200: 1, 404: 1}
    assert cleared.requests == 0
    assert dict(cleared.by_operation) == {}


async def test_max_in_flight_under_concurrency(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """max_in_flight is the peak of requests handled at once, not the total."""
    from pwasync.testing import Faults

    emu.faults = Faults(latency=0.05)

    async def whoami() -> None:
        async with http.get("/api/auth/whoami", headers=admin) as response:
            assert response.status == 200

    await asyncio.gather(*(whoami() for _ in range(5)))
    await asyncio.sleep(0.1)
    await whoami()

    assert emu.stats.requests == 6
    assert emu.stats.max_in_flight == 5


async def test_serve_prints_url_and_key() -> None:
    """serve() prints the URL and key lines, serves, and returns once stopped."""
    output = io.StringIO()
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(output=output, stop=stop, on_ready=lambda _: ready.set()))
    await asyncio.wait_for(ready.wait(), 5)
    url_line, key_line = output.getvalue().splitlines()
    url = url_line.removeprefix("url: ")
    key = key_line.removeprefix("api_key: ")

    from base64 import b64encode

    headers = {"Authorization": "Basic " + b64encode(f"{key}:".encode()).decode()}
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{url}/api/auth/whoami", headers=headers) as r,
    ):
        whoami = await r.json()
    stop.set()
    await asyncio.wait_for(task, 5)

    assert url_line.startswith("url: http://127.0.0.1:")
    assert key_line.startswith("api_key: pwt_")
    assert whoami == "admin"


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT to a child process")
def test_module_runs_until_sigint() -> None:
    """python -m pwasync.testing prints two lines, then exits 0 on SIGINT."""
    process = subprocess.Popen(
        [sys.executable, "-m", "pwasync.testing", "--step-seconds", "0.1", "--error-rate", "0.1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url_line = process.stdout.readline()
        key_line = process.stdout.readline()
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert url_line.startswith("url: http://127.0.0.1:")
    assert key_line.startswith("api_key: pwt_")
    assert process.returncode == 0, stderr


def test_module_rejects_bad_fault_option() -> None:
    """A bad fault option exits with status 2 and a message naming it."""
    result = subprocess.run(
        [sys.executable, "-m", "pwasync.testing", "--error-rate", "2"],
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 2
    assert "error_rate" in result.stderr


def test_plugin_imports_without_jose() -> None:
    """The plugin module loads without PyJWT and cryptography, and imports neither."""
    script = textwrap.dedent(
        """
        import sys
        sys.modules["jwt"] = None
        import pwasync.testing.plugin
        import pwasync
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("jwt", "cryptography"))
        assert loaded == ["jwt"], loaded
        assert "pwasync.testing._emulator" not in sys.modules
        print("ok")
        """
    )

    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )

    assert result.stdout.strip() == "ok", result.stderr


def test_sdk_import_leaves_emulator_out() -> None:
    """Importing pwasync does not import pwasync.testing."""
    script = "import sys, pwasync; print('pwasync.testing' in sys.modules)"

    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30
    )

    assert result.stdout.strip() == "False", result.stderr


def test_emulator_without_jose_fails_clearly() -> None:
    """Starting an emulator without the testing extra names the install command."""
    script = textwrap.dedent(
        """
        import asyncio, sys
        sys.modules["jwt"] = None
        from pwasync.testing import Emulator

        async def main():
            try:
                async with Emulator():
                    pass
            except RuntimeError as error:
                print(error)

        asyncio.run(main())
        """
    )

    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30
    )

    assert "pip install 'pwasync[testing]'" in result.stdout, result.stderr


async def test_pw_emulator_fixture(pw_emulator: Emulator) -> None:
    """The plugin's fixture yields a running emulator with fast steps."""
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{pw_emulator.url}/api/platform/keys") as r,
    ):
        status = r.status

    assert status == 200
    assert pw_emulator.step_seconds == 0.05


@pytest.mark.pw_emulator(seed=3, wrap_responses=False)
async def test_pw_emulator_marker_options(
    pw_emulator: Emulator, pw_emulator_factory: object
) -> None:
    """The pw_emulator marker passes options, and the factory starts more emulators."""
    from pwasync.testing import Faults

    assert callable(pw_emulator_factory)
    other = await pw_emulator_factory(faults=Faults(error_rate=1.0))
    async with aiohttp.ClientSession() as http, http.get(f"{other.url}/api/platform/keys") as r:
        status = r.status

    assert status >= 500
    assert pw_emulator.url != other.url
