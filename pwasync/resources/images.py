"""``pw.images``: the machine images that clusters boot from."""

from __future__ import annotations

import builtins

from pwasync._converter import Decoder
from pwasync.models.images import Image
from pwasync.resources._base import Resource, check_bool, check_str, compact

__all__ = ["Images"]

_IMAGE: Decoder[Image] = Decoder(Image)
_IMAGES: Decoder[builtins.list[Image]] = Decoder(builtins.list[Image])


class Images(Resource):
    """Operations on the platform's images; creating and deleting needs a platform admin."""

    async def list(
        self,
        *,
        csp: str | None = None,
        architecture: str | None = None,
        type: str | None = None,
        region: str | None = None,
    ) -> builtins.list[Image]:
        """Return the images, filtered by each criterion given."""
        query = compact(csp=csp, architecture=architecture, type=type, region=region)
        for name, value in query.items():
            check_str(name, value)
        return await self._transport.request("images.list", query=query or None, decoder=_IMAGES)

    async def create(
        self,
        *,
        name: str,
        csp: str,
        architecture: str | None = None,
        csp_id: str | None = None,
        region: str | None = None,
        type: str | None = None,
        published: bool | None = None,
    ) -> Image:
        """Register an image; ``csp_id`` is the cloud's own id for it (such as an AMI id)."""
        check_str("name", name)
        check_str("csp", csp)
        for label, value in (
            ("architecture", architecture),
            ("csp_id", csp_id),
            ("region", region),
            ("type", type),
        ):
            check_str(label, value, optional=True)
        check_bool("published", published, optional=True)
        body = compact(
            name=name,
            csp=csp,
            architecture=architecture,
            cspId=csp_id,
            region=region,
            type=type,
            published=published,
        )
        return await self._transport.request("images.create", json_body=body, decoder=_IMAGE)

    async def delete(self, name: str) -> None:
        """Delete an image by name."""
        await self._transport.request("images.delete", (name,))
