"""Failures print one plain line with a non-zero exit status, and never a credential."""

from __future__ import annotations

import base64
import socket

import pytest

from ._support import RunningEmulator, clean_env, run_pwasync


def closed_port() -> int:
    """Return a loopback port that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_missing_credentials_name_variable() -> None:
    """Without PW_API_KEY a command exits 2 with one line naming PW_API_KEY."""
    result = run_pwasync(["whoami", "--base-url", "http://127.0.0.1:9"], env=clean_env())

    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("error: missing credentials")
    assert "PW_API_KEY" in result.stderr
    assert result.stdout == ""


def test_rejected_key_is_one_line_without_key(emulator: RunningEmulator) -> None:
    """A key the server rejects gives one line that names PW_API_KEY but not the key."""
    wrong_key = emulator.api_key[:-6] + "XXXXXX"
    env = {**clean_env(), "PW_API_KEY": wrong_key}

    result = run_pwasync(["whoami", "--base-url", emulator.url], env=env)

    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("error: authentication failed")
    assert "PW_API_KEY" in result.stderr
    assert wrong_key not in result.stderr
    assert wrong_key.split(".")[1] not in result.stderr


def test_unknown_run_is_not_found(emulator: RunningEmulator) -> None:
    """An unknown infraId gives one line naming the run and exit status 1."""
    result = run_pwasync(
        ["provision", "get", emulator.org, "inf-missing", "--base-url", emulator.url],
        env=emulator.env(),
    )

    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("error: provisioning run 'inf-missing'")
    assert "not found" in result.stderr


def test_connection_refused_names_url() -> None:
    """A server that is not running gives one line naming the URL to check."""
    url = f"http://127.0.0.1:{closed_port()}"
    env = {**clean_env(), "PW_API_KEY": "pwt_MTI3LjAuMC4x.secret"}

    result = run_pwasync(["sessions", "list", "--base-url", url], env=env)

    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"error: could not connect to {url}")
    assert "secret" not in result.stderr


def test_connection_refused_names_derived_url() -> None:
    """Without a base URL, a failed connection names the URL from the key and how to change it."""
    port = closed_port()
    host = base64.urlsafe_b64encode(f"127.0.0.1:{port}".encode()).decode().rstrip("=")
    env = {**clean_env(), "PW_API_KEY": f"pwt_{host}.secret"}

    result = run_pwasync(["whoami"], env=env)

    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"error: could not connect to https://127.0.0.1:{port}")
    assert "--base-url" in result.stderr
    assert "PW_BASE_URL" in result.stderr
    assert "PW_PLATFORM_HOST" in result.stderr
    assert "secret" not in result.stderr


def test_rejected_token_names_pw_token(emulator: RunningEmulator) -> None:
    """A token the server rejects gives one line naming PW_TOKEN, not PW_API_KEY."""
    env = {**clean_env(), "PW_TOKEN": "not-a-valid-token"}

    result = run_pwasync(["whoami", "--base-url", emulator.url], env=env)

    assert result.returncode == 1
    assert result.stderr.startswith("error: authentication failed")
    assert "PW_TOKEN" in result.stderr
    assert "PW_API_KEY" not in result.stderr
    assert "not-a-valid-token" not in result.stderr


def test_base_url_ending_in_api_rejected(emulator: RunningEmulator) -> None:
    """A --base-url ending in /api exits 2 before any request, naming the URL to use."""
    result = run_pwasync(["whoami", "--base-url", f"{emulator.url}/api"], env=emulator.env())

    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert "ends with '/api'" in result.stderr
    assert f"use the base URL {emulator.url!r} instead" in result.stderr


def test_plain_http_to_remote_host_needs_insecure() -> None:
    """Plain http to a host other than loopback is refused before any request, naming --insecure."""
    env = {**clean_env(), "PW_API_KEY": "pwt_MTI3LjAuMC4x.secret"}

    result = run_pwasync(["whoami", "--base-url", "http://platform.example.invalid"], env=env)

    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert "--insecure" in result.stderr
    assert "allow_insecure_http" not in result.stderr
    assert "secret" not in result.stderr


@pytest.mark.parametrize(
    ("arguments", "option"),
    [
        (["provision", "wait", "acme", "inf-1", "--interval", "nan"], "'--interval'"),
        (["provision", "watch", "acme", "inf-1", "--timeout", "inf"], "'--timeout'"),
        (["demo", "--step-seconds", "nan"], "'--step-seconds'"),
        (["emulator", "--step-seconds", "nan"], "'--step-seconds'"),
        (["provision", "get", "acme", ""], "'INFRA_ID'"),
        (["ai-chat", "wait", "acme", " ", "chat"], "'NAMESPACE'"),
        (
            ["provision", "wait", "acme", "inf-1", "--interval", "5", "--max-interval", "1"],
            "'--max-interval'",
        ),
    ],
)
def test_bad_values_are_usage_errors(arguments: list[str], option: str) -> None:
    """A non-finite number, an empty name or a max interval below the interval exits 2."""
    result = run_pwasync(arguments, env=clean_env())

    assert result.returncode == 2
    assert f"Error: Invalid value for {option}" in result.stderr
    assert "ValueError" not in result.stderr


def test_debug_shows_traceback(emulator: RunningEmulator) -> None:
    """--debug prints the traceback and request logs before the one-line error."""
    result = run_pwasync(
        ["provision", "get", emulator.org, "inf-missing", "--base-url", emulator.url, "--debug"],
        env=emulator.env(),
    )

    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "NotFoundError" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("error: provisioning run 'inf-missing'")
    assert emulator.api_key not in result.stderr
