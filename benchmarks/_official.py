"""Adapters for the official client, parallelworks-client, installed beside pwasync as a peer.

The official client (version 7.122.0 when these adapters were written) has
two async layers. ``parallelworks_client.Client`` sends requests through
httpx and returns ``httpx.Response`` objects. The generated operation
modules, such as ``parallelworks_client.api.platform.get_platform_images``,
take a ``parallelworks_client.client.AuthenticatedClient`` and parse the
body into attrs models with each model's ``from_dict``. The benchmarks use
the generated layer wherever models are compared.

The package ships no type information, hence the ``type: ignore`` on its
imports. The generated parsers fall back to returning the raw JSON when a model
rejects a value, so every adapter checks that it really produced models.
"""

from __future__ import annotations

import base64
import functools
import importlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

INSTALL_HINT = (
    "parallelworks-client cannot be imported; install it beside pwasync with "
    "`pip install parallelworks-client` (nox -s bench does this) on Python 3.11 or later"
)


@functools.cache
def available() -> bool:
    """Return whether the official client can be imported on this Python.

    Version 7.122.0 imports ``enum.StrEnum``, so it fails on Python 3.10 even
    when installed.
    """
    try:
        importlib.import_module("parallelworks_client.models.image")
    except ImportError:
        return False
    return True


def basic_credentials(api_key: str) -> str:
    """Return the HTTP Basic credentials for ``api_key``: the key as user, no password."""
    return base64.b64encode(f"{api_key}:".encode()).decode()


def basic_authorization(api_key: str) -> str:
    """Return the ``Authorization`` header value for ``api_key``."""
    return f"Basic {basic_credentials(api_key)}"


@asynccontextmanager
async def images_caller(
    base_url: str, api_key: str, concurrency: int
) -> AsyncIterator[Callable[[], Awaitable[int]]]:
    """Yield a call of the generated ``GET /api/platform/images`` that returns the image count.

    The httpx pool is sized to ``concurrency`` so that no request waits for a
    connection and no connection is closed for exceeding the keep-alive limit
    (httpx keeps 20 idle connections by default).
    """
    import httpx
    from parallelworks_client.api.platform import get_platform_images  # type: ignore[import-untyped]
    from parallelworks_client.client import AuthenticatedClient  # type: ignore[import-untyped]
    from parallelworks_client.models.image import Image  # type: ignore[import-untyped]

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    client = AuthenticatedClient(
        base_url=base_url,
        token=basic_credentials(api_key),
        prefix="Basic",
        httpx_args={"limits": limits},
    )

    async def call() -> int:
        images = await get_platform_images.asyncio(client=client)
        if not isinstance(images, list) or not isinstance(images[0], Image):
            raise TypeError(f"the official client did not parse images: {images!r:.200}")
        return len(images)

    async with client:
        yield call


@asynccontextmanager
async def httpx_images_caller(
    base_url: str, api_key: str, concurrency: int
) -> AsyncIterator[Callable[[], Awaitable[int]]]:
    """Yield a plain httpx ``GET`` plus ``Response.json()`` that returns the image count.

    httpx is the official client's transport, so this contender separates the
    cost of its HTTP layer from the cost of its models.
    """
    import httpx

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Authorization": basic_authorization(api_key)}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits) as client:

        async def call() -> int:
            response = await client.get("/api/platform/images")
            response.raise_for_status()
            return len(response.json())

        yield call


def decode_images(records: list[dict[str, Any]]) -> list[Any]:
    """Convert image records with the official ``Image.from_dict``."""
    from parallelworks_client.models.image import Image

    return [Image.from_dict(record) for record in records]


def decode_provision_steps(records: list[dict[str, Any]]) -> list[Any]:
    """Convert provision step records with ``ProvisionStatusResponseRecord.from_dict``.

    This is the model the official client's
    ``get_organization_provision_status_by_infra_id`` operation builds.
    """
    from parallelworks_client.models.provision_status_attribute import (  # type: ignore[import-untyped]
        ProvisionStatusAttribute,
    )
    from parallelworks_client.models.provision_status_response_record import (  # type: ignore[import-untyped]
        ProvisionStatusResponseRecord,
    )

    steps = [ProvisionStatusResponseRecord.from_dict(record) for record in records]
    attributes = steps[0].attributes if steps else None
    if attributes and not isinstance(attributes[0], ProvisionStatusAttribute):
        raise TypeError(f"the official client did not parse step attributes: {attributes!r:.200}")
    return steps
