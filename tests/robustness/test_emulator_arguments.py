"""Emulator arguments of the wrong type or out of range raise a clear error before binding."""

from __future__ import annotations

import math

import pytest

from pwasync.testing import Emulator


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"port": 70000}, ValueError, "port must be from 0 to 65535 .* got 70000"),
        ({"port": -1}, ValueError, "port must be from 0 to 65535"),
        ({"port": "8080"}, TypeError, "port must be an int, got str '8080'"),
        ({"port": True}, TypeError, "port must be an int, got bool"),
        ({"seed": "x"}, TypeError, "seed must be an int, got str 'x'"),
        ({"seed": 1.5}, TypeError, "seed must be an int, got float"),
        ({"step_seconds": math.inf}, ValueError, "step_seconds must be a finite positive"),
        ({"step_seconds": math.nan}, ValueError, "step_seconds must be a finite positive"),
        ({"step_seconds": 0}, ValueError, "step_seconds must be a finite positive"),
        ({"step_seconds": "1"}, TypeError, "step_seconds must be a number of seconds, got str"),
    ],
    ids=lambda value: repr(value) if isinstance(value, dict) else "",
)
def test_bad_emulator_argument_rejected(
    options: dict[str, object], error: type[Exception], message: str
) -> None:
    """Each bad argument raises TypeError or ValueError naming it and the value."""
    with pytest.raises(error, match=message):
        Emulator(**options)  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_port_bounds_accepted() -> None:
    """Port 0 still picks a free port and the emulator serves on it."""
    async with Emulator(port=0, step_seconds=1, seed=7) as emulator:
        port = int(emulator.url.rsplit(":", 1)[1])

    assert 0 < port <= 65535
