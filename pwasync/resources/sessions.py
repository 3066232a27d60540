"""``pw.sessions``: the caller's sessions and who else may use them."""

from __future__ import annotations

import builtins

from pwasync._converter import Decoder
from pwasync.models.sessions import Session
from pwasync.resources._base import Resource, check_bool, check_int, check_str, compact

__all__ = ["Sessions"]

_SESSION: Decoder[Session] = Decoder(Session)
_SESSIONS: Decoder[builtins.list[Session]] = Decoder(builtins.list[Session])


class Sessions(Resource):
    """Operations on sessions, addressed by namespace (the owner's user name) and name."""

    async def list(self) -> builtins.list[Session]:
        """Return the caller's sessions."""
        return await self._transport.request("sessions.list", decoder=_SESSIONS)

    async def get(self, namespace: str, name: str) -> Session:
        """Return one session."""
        return await self._transport.request("sessions.get", (namespace, name), decoder=_SESSION)

    async def update(
        self,
        namespace: str,
        name: str,
        *,
        new_name: str | None = None,
        slug: str | None = None,
        status: str | None = None,
        remote_host: str | None = None,
        remote_port: int | None = None,
        local_port: int | None = None,
        target_id: str | None = None,
    ) -> Session:
        """Change the fields given and return the updated session; ``new_name`` renames it."""
        for label, value in (
            ("new_name", new_name),
            ("slug", slug),
            ("status", status),
            ("remote_host", remote_host),
            ("target_id", target_id),
        ):
            check_str(label, value, optional=True)
        check_int("remote_port", remote_port, optional=True)
        check_int("local_port", local_port, optional=True)
        body = compact(
            name=new_name,
            slug=slug,
            status=status,
            remoteHost=remote_host,
            remotePort=remote_port,
            localPort=local_port,
            targetId=target_id,
        )
        return await self._transport.request(
            "sessions.update", (namespace, name), json_body=body, decoder=_SESSION
        )

    async def delete(self, namespace: str, name: str) -> None:
        """Delete a session."""
        await self._transport.request("sessions.delete", (namespace, name))

    async def update_access(
        self, namespace: str, name: str, *, access: bool, team_id: str | None = None
    ) -> None:
        """Grant (``access=True``) or revoke a team's access to a session."""
        check_bool("access", access)
        check_str("team_id", team_id, optional=True)
        await self._transport.request(
            "sessions.update_access",
            (namespace, name),
            json_body=compact(access=access, teamId=team_id),
        )
