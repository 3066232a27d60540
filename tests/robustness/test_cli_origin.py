"""The command line names the server it tried with a well-formed URL."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from pwasync.cli._errors import describe_origin


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(**variables: str) -> dict[str, str]:
    names = ("PW_API_KEY", "PW_BASE_URL", "PW_PLATFORM_HOST", "PW_TOKEN")
    env = {name: value for name, value in os.environ.items() if name not in names}
    return {**env, "COLUMNS": "120", **variables}


@pytest.mark.parametrize(
    ("base_url", "origin"),
    [
        ("http://[::1]:8080/api", "http://[::1]:8080"),
        ("https://[2001:db8::1]/", "https://[2001:db8::1]"),
        ("https://user:secret@example.com:8443/x?q=1", "https://example.com:8443"),
        ("http://127.0.0.1:99999", "http://127.0.0.1"),
    ],
    ids=["ipv6-port", "ipv6", "user-info", "bad-port"],
)
def test_origin_keeps_ipv6_brackets(base_url: str, origin: str) -> None:
    """The origin keeps an IPv6 address in brackets and drops user info, path and query."""
    assert describe_origin(base_url) == origin


def test_platform_host_with_scheme_named_once() -> None:
    """PW_PLATFORM_HOST given as a URL is named as that URL, without a second scheme."""
    url = f"http://127.0.0.1:{_closed_port()}"
    env = _environment(PW_API_KEY="pwt_MTI3LjAuMC4x.secret", PW_PLATFORM_HOST=url)

    result = subprocess.run(
        [sys.executable, "-m", "pwasync.cli", "whoami"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 1
    assert result.stderr.startswith(f"error: could not connect to {url} ")
    assert "https://http" not in result.stderr
