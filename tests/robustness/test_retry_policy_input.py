"""RetryPolicy options of the wrong type or out of range raise an error naming the option."""

from __future__ import annotations

import math

import pytest

from pwasync import RetryPolicy


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"base_delay": "1"}, TypeError, r"base_delay must be a number .* got str '1'"),
        ({"max_delay": None}, TypeError, "max_delay must be a number"),
        ({"multiplier": True}, TypeError, "multiplier must be a number"),
        ({"deadline": "60"}, TypeError, "deadline must be a number"),
        (
            {"base_delay": math.inf, "max_delay": math.inf},
            ValueError,
            "base_delay must be a finite",
        ),
        ({"max_delay": math.inf}, ValueError, "max_delay must be a finite"),
        ({"max_retry_after": math.inf}, ValueError, "max_retry_after must be a finite"),
        ({"base_delay": math.nan}, ValueError, "base_delay must be a finite"),
        ({"multiplier": math.inf}, ValueError, "multiplier must be a finite"),
        ({"deadline": math.inf}, ValueError, "or None for no deadline"),
        ({"retry_statuses": ["500"]}, TypeError, "must contain int status codes, got str '500'"),
        ({"retry_statuses": [True]}, TypeError, "must contain int status codes, got bool"),
        ({"retry_statuses": [5000]}, ValueError, "from 100 to 599, got 5000"),
        ({"retry_statuses": "503"}, TypeError, "collection of int status codes"),
        ({"retry_statuses": 503}, TypeError, "collection of int status codes"),
        ({"clock": None}, TypeError, "RetryPolicy.clock must be callable, got NoneType"),
        ({"sleep": None}, TypeError, "RetryPolicy.sleep must be callable, got NoneType"),
    ],
    ids=lambda value: repr(value) if isinstance(value, dict) else "",
)
def test_bad_policy_option_rejected(
    options: dict[str, object], error: type[Exception], message: str
) -> None:
    """Each bad option raises TypeError or ValueError whose message names it and the value."""
    with pytest.raises(error, match=message):
        RetryPolicy(**options)  # type: ignore[arg-type]


def test_good_policy_options_kept() -> None:
    """Ints, floats, zero delays and a list of statuses are accepted as given."""
    policy = RetryPolicy(
        base_delay=0, max_delay=2, max_retry_after=0.5, deadline=1, retry_statuses=[429, 503]
    )

    assert policy.base_delay == 0
    assert policy.max_delay == 2
    assert policy.retry_statuses == frozenset({429, 503})
    assert policy.deadline == 1
