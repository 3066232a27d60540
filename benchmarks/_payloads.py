"""The response bodies every contender decodes: fixed, deterministic, and valid for both SDKs.

Both bodies follow the shapes of the Parallel Works API 4.x reference and
carry only values that pwasync's models and the official client's models
(parallelworks-client) both accept, so no contender falls back to raw dicts.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

IMAGE_COUNT = 20
PROVISION_STEP_COUNT = 1_000

_CSPS = ("aws", "azure", "google", "openstack", "oracle")
_ARCHITECTURES = ("amd64", "arm64")
_STEP_STATUSES = ("provisioned", "provisioned", "provisioned", "warning", "skipped", "provisioning")


_EPOCH = datetime.datetime(2024, 5, 1, tzinfo=datetime.timezone.utc)


def _timestamp(seconds: int, variant: int) -> str:
    moment = _EPOCH + datetime.timedelta(days=variant, seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def image_records(count: int = IMAGE_COUNT, variant: int = 0) -> list[dict[str, Any]]:
    """Build ``count`` image objects as ``GET /api/platform/images`` returns them.

    Each ``variant`` shifts every timestamp by that many days, so that
    variants share no time strings.
    """
    return [
        {
            "id": f"img-{number:04d}",
            "name": f"rocky9-hpc-{number:02d}",
            "architecture": _ARCHITECTURES[number % len(_ARCHITECTURES)],
            "csp": _CSPS[number % len(_CSPS)],
            "cspId": f"ami-0{number:015x}",
            "region": "us-east-1",
            "type": "compute",
            "published": number % 3 != 0,
            "latest": number == 0,
            "organization": "acme",
            "createdAt": _timestamp(number * 61, variant),
            "updatedAt": _timestamp(number * 61 + 3600, variant),
        }
        for number in range(count)
    ]


def _step_children(index: int, variant: int) -> list[dict[str, Any]] | None:
    if index % 10 != 0:
        return None
    return [
        {
            "id": f"step-{index:04d}-node-{node}",
            "index": node,
            "label": f"Node {node}",
            "status": "provisioned",
            "createdAt": _timestamp(index * 60 + node, variant),
            "updatedAt": _timestamp(index * 60 + node + 30, variant),
        }
        for node in range(2)
    ]


def provision_step_records(
    count: int = PROVISION_STEP_COUNT, variant: int = 0
) -> list[dict[str, Any]]:
    """Build ``count`` provision steps as ``GET .../provisionstatus/{infraId}`` returns them.

    Every tenth step has two children and every step carries two attributes and
    a few lines of logs, so decoding exercises the nested shapes. Every
    timestamp in the list is distinct, and each ``variant`` shifts them all by
    that many days.
    """
    return [
        {
            "id": f"step-{index:04d}",
            "index": index,
            "name": f"configure-{index:04d}",
            "label": f"Configure component {index}",
            "status": _STEP_STATUSES[index % len(_STEP_STATUSES)],
            "logs": f"starting step {index}\nrunning ansible role {index}\ndone\n",
            "error": "",
            "attributes": [
                {"key": "zone", "value": "us-east-1a", "type": "string"},
                {"key": "nodes", "value": "2", "type": "int"},
            ],
            "createdAt": _timestamp(index * 60 + 10, variant),
            "updatedAt": _timestamp(index * 60 + 50, variant),
            "children": _step_children(index, variant),
        }
        for index in range(count)
    ]


def images_body(count: int = IMAGE_COUNT, variant: int = 0) -> bytes:
    """Return the ``images.list`` response body of ``count`` images as JSON bytes."""
    return json.dumps(image_records(count, variant)).encode()


def provision_status_body(count: int = PROVISION_STEP_COUNT, variant: int = 0) -> bytes:
    """Return a provision status response body of ``count`` steps as JSON bytes."""
    return json.dumps(provision_step_records(count, variant)).encode()
