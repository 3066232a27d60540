"""``pw.provision_status``: the steps of a provisioning run."""

from __future__ import annotations

from itertools import pairwise
from operator import attrgetter

from pwasync._converter import Decoder
from pwasync.models.provisioning import ProvisionSnapshot, ProvisionStep
from pwasync.resources._base import Resource

__all__ = ["ProvisionStatus"]

_STEPS: Decoder[tuple[ProvisionStep, ...]] = Decoder(tuple[ProvisionStep, ...])
_BY_INDEX = attrgetter("index")


class ProvisionStatus(Resource):
    """Operations on the provisioning runs of an organization, by infra id."""

    async def get(self, org: str, infra_id: str) -> ProvisionSnapshot:
        """Return the run's current steps, ordered by index; ``null`` gives no steps."""
        steps = await self._transport.request(
            "provision_status.get", (org, infra_id), decoder=_STEPS
        )
        if any(left.index > right.index for left, right in pairwise(steps)):
            steps = tuple(sorted(steps, key=_BY_INDEX))
        return ProvisionSnapshot(infra_id=infra_id, steps=steps)
