"""``pw.admin``: platform administration."""

from __future__ import annotations

from pwasync._converter import Decoder
from pwasync.models.admin import License
from pwasync.resources._base import Resource, check_str

__all__ = ["Admin"]

_LICENSE: Decoder[License] = Decoder(License)


class Admin(Resource):
    """Platform operations; they need a platform admin."""

    async def get_license(self) -> License:
        """Return the platform license."""
        return await self._transport.request("admin.get_license", decoder=_LICENSE)

    async def update_license(self, license: str) -> None:
        """Replace the platform license."""
        check_str("license", license)
        await self._transport.request("admin.update_license", json_body={"license": license})
