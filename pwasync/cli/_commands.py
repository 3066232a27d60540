"""``pwasync whoami``, ``ai-chat wait``, ``sessions list`` and ``images list``."""

from __future__ import annotations

import click

from pwasync.cli._errors import EXIT_OK
from pwasync.cli._options import (
    NAME,
    SECONDS,
    CommonOptions,
    common_options,
    connect,
    interval_options,
)
from pwasync.cli._render import jsonable
from pwasync.cli._runner import run_command

__all__ = ["ai_chat", "images", "sessions", "whoami"]


@click.command()
@common_options
def whoami(*, options: CommonOptions) -> None:
    """Print the user and organization that PW_API_KEY belongs to."""
    out = options.output()

    async def main() -> int:
        async with connect(options) as pw:
            user = await pw.auth.whoami()
            organization = await pw.auth.whoami_organization()
        if out.json_mode:
            out.record({"user": user, "organization": organization})
        else:
            out.line(f"{user} in organization {organization}")
        return EXIT_OK

    run_command(main, resource="the current user", base_url=options.target(), debug=options.debug)


@click.group("ai-chat")
def ai_chat() -> None:
    """Wait for AI Chats."""


@ai_chat.command("wait")
@click.argument("org", type=NAME)
@click.argument("namespace", type=NAME)
@click.argument("name", type=NAME)
@click.option("--timeout", type=SECONDS, help="Give up after this many seconds (exit status 2).")
@interval_options
@common_options
def ai_chat_wait(
    org: str,
    namespace: str,
    name: str,
    *,
    timeout: float | None,
    interval: float,
    max_interval: float,
    options: CommonOptions,
) -> None:
    """Wait until AI Chat NAME in NAMESPACE has ingested its documents.

    Exits 0 once the chat is provisioned and ingested, 2 when --timeout passes first.
    """
    out = options.output()

    async def main() -> int:
        async with connect(options) as pw:
            chat = await pw.ai_chats.wait_until_ingested(
                org,
                namespace,
                name,
                timeout=timeout,
                interval=interval,
                max_interval=max_interval,
            )
        if out.json_mode:
            out.record(jsonable(chat))
        else:
            out.line(f"AI Chat {chat.namespace}/{chat.name} is provisioned and ingested")
        return EXIT_OK

    resource = f"AI Chat {name!r} in namespace {namespace!r} of organization {org!r}"
    run_command(main, resource=resource, base_url=options.target(), debug=options.debug)


@click.group()
def sessions() -> None:
    """List sessions."""


@sessions.command("list")
@common_options
def sessions_list(*, options: CommonOptions) -> None:
    """List the sessions the caller can see."""
    out = options.output()

    async def main() -> int:
        async with connect(options) as pw:
            found = await pw.sessions.list()
        if out.json_mode:
            for session in found:
                out.record(jsonable(session))
            return EXIT_OK
        rows = [
            (session.name, session.status, session.type, session.user, session.url)
            for session in found
        ]
        out.table(["name", "status", "type", "user", "url"], rows, title=f"{len(rows)} sessions")
        return EXIT_OK

    run_command(main, resource="the session list", base_url=options.target(), debug=options.debug)


@click.group()
def images() -> None:
    """List machine images."""


@images.command("list")
@click.option("--csp", help="Only images of this cloud provider (aws, azure, google, ...).")
@click.option("--architecture", help="Only images of this architecture (amd64, arm64).")
@click.option("--type", "image_type", help="Only images of this type, such as compute.")
@click.option("--region", help="Only images in this region.")
@common_options
def images_list(
    *,
    csp: str | None,
    architecture: str | None,
    image_type: str | None,
    region: str | None,
    options: CommonOptions,
) -> None:
    """List the platform's machine images, optionally filtered."""
    out = options.output()

    async def main() -> int:
        async with connect(options) as pw:
            found = await pw.images.list(
                csp=csp, architecture=architecture, type=image_type, region=region
            )
        if out.json_mode:
            for image in found:
                out.record(jsonable(image))
            return EXIT_OK
        rows = [
            (image.name, image.csp, image.architecture, image.region, image.type, image.published)
            for image in found
        ]
        columns = ["name", "csp", "architecture", "region", "type", "published"]
        out.table(columns, rows, title=f"{len(rows)} images")
        return EXIT_OK

    run_command(main, resource="the image list", base_url=options.target(), debug=options.debug)
