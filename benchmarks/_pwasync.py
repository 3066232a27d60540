"""The pwasync side of each benchmark: its client call and its converter."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from itertools import pairwise
from typing import Any

from benchmarks._payloads import IMAGE_COUNT
from pwasync import Client
from pwasync._converter import structure
from pwasync.models import Image, ProvisionSnapshot, ProvisionStep

# A key in the platform's format whose host part names the loopback address.
API_KEY = "pwt_" + base64.urlsafe_b64encode(b"127.0.0.1").decode().rstrip("=") + ".benchmark"


@asynccontextmanager
async def images_caller(
    base_url: str, api_key: str, concurrency: int
) -> AsyncIterator[Callable[[], Awaitable[int]]]:
    """Yield a call of ``images.list`` that returns the image count."""
    async with Client(api_key=api_key, base_url=base_url, max_concurrency=concurrency) as pw:

        async def call() -> int:
            images = await pw.images.list()
            if not isinstance(images[0], Image):
                raise TypeError(f"pwasync did not return Image models: {images!r:.200}")
            return len(images)

        yield call


@asynccontextmanager
async def images_request_caller(
    base_url: str, api_key: str, concurrency: int
) -> AsyncIterator[Callable[[], Awaitable[int]]]:
    """Yield ``images.list``'s request path without JSON parsing or models: a diagnostic.

    It calls the private ``Transport.request`` with no decoder, which sends,
    retries and reads the body exactly as ``images.list`` does, so the
    difference from the full call is the cost of decoding in place.
    """
    async with Client(api_key=api_key, base_url=base_url, max_concurrency=concurrency) as pw:

        async def call() -> int:
            await pw._transport.request("images.list", decoder=None)
            return IMAGE_COUNT

        yield call


def decode_images(records: list[dict[str, Any]]) -> list[Image]:
    """Convert image records with pwasync's converter, as ``images.list`` does."""
    return structure(records, list[Image])


def decode_provision_steps(records: list[dict[str, Any]]) -> ProvisionSnapshot:
    """Convert provision step records into a snapshot, as ``provision_status.get`` does.

    ``get`` also sorts the steps when they arrive out of index order. The
    benchmark bodies arrive in order, so here too only the order check runs.
    """
    steps = structure(records, tuple[ProvisionStep, ...])
    if any(left.index > right.index for left, right in pairwise(steps)):
        steps = tuple(sorted(steps, key=lambda step: step.index))
    return ProvisionSnapshot(infra_id="infra-benchmark", steps=steps)
