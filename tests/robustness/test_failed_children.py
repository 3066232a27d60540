"""A run that fails through a child names that child and its error text."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from pwasync import Client, ProvisioningFailed, RetryPolicy

from ._scripted import API_KEY, scripted, step

pytestmark = pytest.mark.anyio

FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02)


def _child(child_id: str, label: str, status: str, error: str = "", **extra: Any) -> dict[str, Any]:
    return {"id": child_id, "index": 0, "label": label, "status": status, "error": error, **extra}


async def test_wait_names_failed_children() -> None:
    """ProvisioningFailed lists each failed child, nested ones too, with parent step and error."""
    grandchild = _child("disk-1", "", "failed", "disk full")
    nodes = {
        **step(1, "nodes", "provisioned"),
        "children": [
            _child("n1", "node-1", "provisioned", children=[grandchild]),
            _child("n2", "node-2", "failed", "no capacity in zone\n"),
        ],
    }
    final = [step(0, "network", "provisioned"), nodes]

    async with (
        scripted([final]) as server,
        Client(api_key=API_KEY, base_url=server.url, retry=FAST) as pw,
    ):
        with pytest.raises(ProvisioningFailed) as caught:
            await pw.provision_status.wait("acme", "inf-1", interval=0.01, timeout=5)

    failure = caught.value
    assert failure.failures == []
    assert [(parent.name, child.id) for parent, child in failure.failed_children] == [
        ("nodes", "disk-1"),
        ("nodes", "n2"),
    ]
    assert str(failure) == (
        "provisioning 'inf-1' failed at child 'disk-1' of 'nodes' (disk full), "
        "child 'node-2' of 'nodes' (no capacity in zone)"
    )
    assert failure.snapshot.failed_children == tuple(failure.failed_children)


async def test_failed_step_and_child_both_named() -> None:
    """A failed step is named before the failed children, each with its own error text."""
    final = [
        {**step(0, "compute", "failed"), "error": "quota exceeded"},
        {**step(1, "nodes", "provisioned"), "children": [_child("n1", "node-1", "failed")]},
    ]

    async with (
        scripted([final]) as server,
        Client(api_key=API_KEY, base_url=server.url, retry=FAST) as pw,
    ):
        with pytest.raises(ProvisioningFailed) as caught:
            await pw.provision_status.wait("acme", "inf-1", interval=0.01, timeout=5)

    failure = caught.value
    assert [step.name for step in failure.failures] == ["compute"]
    assert str(failure) == (
        "provisioning 'inf-1' failed at 'compute' (quota exceeded), "
        "child 'node-1' of 'nodes' (no error text)"
    )
    copy = pickle.loads(pickle.dumps(failure))
    assert str(copy) == str(failure)
    assert copy.failed_children == failure.failed_children
