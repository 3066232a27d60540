"""Watch cursors: what a stream has delivered, as a small versioned JSON string.

A cursor never embeds logs or whole models. For a provisioning run it keeps,
per step id, the status last reported, the number of log characters
delivered, and a 64-bit BLAKE2b digest of those characters. The digest lets a
resumed watcher check that the cursor belongs to the logs it now polls. For
an AI Chat a cursor keeps the three state flags. Cursors are plain JSON, never pickle, so
decoding one from an untrusted source runs no code.

Cursors are ASCII: any other character, a lone surrogate from a JSON escape
included, is written as a ``\\uXXXX`` escape, so a cursor can always be stored
as UTF-8. Cursors written before, with those characters unescaped, still
decode.

Layout, version 1::

    {"v": 1, "type": "provision", "infra_id": "...", "finished": false,
     "steps": [["<step id>", "<status>", <log length>, "<digest hex>"], ...]}
    {"v": 1, "type": "ai_chat", "chat": ["<org>", "<namespace>", "<name>"],
     "state": [<provisioned>, <currently_provisioning>, <ingested>]}
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import attrs

from pwasync._errors import InvalidCursorError
from pwasync.models.provisioning import StepStatus

__all__ = [
    "CURSOR_VERSION",
    "ChatMark",
    "ProvisionMark",
    "StepMark",
    "decode_chat_cursor",
    "decode_provision_cursor",
    "encode_chat_cursor",
    "encode_provision_cursor",
    "log_bytes",
    "log_digest",
    "new_log_hasher",
]

CURSOR_VERSION = 1
_DIGEST_BYTES = 8
_SEPARATORS = (",", ":")
_ADVICE = "pass the cursor of an event unchanged, or None to start from the beginning"


def new_log_hasher() -> Any:
    """Return an incremental hasher for a step's delivered logs; feed it ``log_bytes``."""
    return hashlib.blake2b(digest_size=_DIGEST_BYTES)


def log_bytes(text: str) -> bytes:
    """Return the bytes of ``text`` that a log digest covers.

    A JSON escape such as ``\\ud800`` decodes to a lone surrogate, which
    strict UTF-8 cannot encode, so surrogates pass through as their own bytes.
    """
    return text.encode("utf-8", "surrogatepass")


def log_digest(text: str) -> str:
    """Return the hex digest of ``text`` as a cursor stores it."""
    hasher = new_log_hasher()
    hasher.update(log_bytes(text))
    return str(hasher.hexdigest())


@attrs.frozen
class StepMark:
    """The status, log length and log digest that a stream has reported for one step."""

    status: StepStatus
    log_length: int
    log_digest: str


@attrs.frozen
class ProvisionMark:
    """The reported state of a provisioning run, with ``steps`` in the order first reported."""

    infra_id: str
    steps: tuple[tuple[str, StepMark], ...] = ()
    finished: bool = False


@attrs.frozen
class ChatMark:
    """The AI Chat state flags a stream has reported last."""

    chat: tuple[str, str, str]
    provisioned: bool
    currently_provisioning: bool
    ingested: bool


def encode_provision_cursor(mark: ProvisionMark) -> str:
    """Serialize ``mark`` as a version 1 cursor."""
    document = {
        "v": CURSOR_VERSION,
        "type": "provision",
        "infra_id": mark.infra_id,
        "finished": mark.finished,
        "steps": [
            [step_id, step.status.value, step.log_length, step.log_digest]
            for step_id, step in mark.steps
        ],
    }
    return json.dumps(document, separators=_SEPARATORS)


def encode_chat_cursor(mark: ChatMark) -> str:
    """Serialize ``mark`` as a version 1 cursor."""
    document = {
        "v": CURSOR_VERSION,
        "type": "ai_chat",
        "chat": list(mark.chat),
        "state": [mark.provisioned, mark.currently_provisioning, mark.ingested],
    }
    return json.dumps(document, separators=_SEPARATORS)


def decode_provision_cursor(cursor: object, infra_id: str) -> ProvisionMark:
    """Parse a provisioning cursor and check that it belongs to ``infra_id``.

    Raises ``InvalidCursorError`` when the cursor is not a string, not JSON of
    the expected layout, of another version, of another kind of watch, or for
    another run.
    """
    document = _load(cursor, expected_type="provision")
    if document.get("infra_id") != infra_id:
        raise InvalidCursorError(
            f"invalid watch cursor: it belongs to provisioning run "
            f"{document.get('infra_id')!r}, not {infra_id!r}; {_ADVICE}"
        )
    finished = document.get("finished")
    entries = document.get("steps")
    if not isinstance(finished, bool) or not isinstance(entries, list):
        raise _malformed("'finished' must be a boolean and 'steps' a list")

    steps: list[tuple[str, StepMark]] = []
    seen: set[str] = set()
    for entry in entries:
        step_id, mark = _step_entry(entry)
        if step_id in seen:
            raise _malformed(f"step {step_id!r} appears twice")
        seen.add(step_id)
        steps.append((step_id, mark))
    return ProvisionMark(infra_id=infra_id, steps=tuple(steps), finished=finished)


def decode_chat_cursor(cursor: object, chat: tuple[str, str, str]) -> ChatMark:
    """Parse an AI Chat cursor and check that it belongs to ``chat`` (org, namespace, name).

    Raises ``InvalidCursorError`` on the same grounds as the provisioning cursor.
    """
    document = _load(cursor, expected_type="ai_chat")
    owner = document.get("chat")
    if not isinstance(owner, list) or tuple(owner) != chat:
        raise InvalidCursorError(
            f"invalid watch cursor: it belongs to AI Chat {owner!r}, not "
            f"{'/'.join(chat)!r}; {_ADVICE}"
        )
    state = document.get("state")
    if (
        not isinstance(state, list)
        or len(state) != 3
        or not all(isinstance(flag, bool) for flag in state)
    ):
        raise _malformed("'state' must be a list of three booleans")
    provisioned, currently_provisioning, ingested = state
    return ChatMark(
        chat=chat,
        provisioned=provisioned,
        currently_provisioning=currently_provisioning,
        ingested=ingested,
    )


def _load(cursor: object, *, expected_type: str) -> dict[str, Any]:
    if not isinstance(cursor, str):
        raise InvalidCursorError(
            f"invalid watch cursor: expected a string, got {type(cursor).__name__}; {_ADVICE}"
        )
    try:
        document = json.loads(cursor)
    except (ValueError, RecursionError):
        raise _malformed("it is not valid JSON") from None
    if not isinstance(document, dict):
        raise _malformed("it is not a JSON object")

    version = document.get("v")
    # An exact type check, because True and 1.0 compare equal to 1.
    if version.__class__ is not int or version != CURSOR_VERSION:
        raise InvalidCursorError(
            f"invalid watch cursor: unsupported version {version!r} (this pwasync reads "
            f"version {CURSOR_VERSION}); {_ADVICE}"
        )
    kind = document.get("type")
    if kind is None:
        raise _malformed(f"it names no watch type (expected {expected_type!r})")
    if kind != expected_type:
        raise InvalidCursorError(
            f"invalid watch cursor: it is for a {kind!r} watch, not {expected_type!r}; {_ADVICE}"
        )
    return document


def _step_entry(entry: object) -> tuple[str, StepMark]:
    if not isinstance(entry, list) or len(entry) != 4:
        raise _malformed("each step must be [id, status, log length, digest]")
    step_id, status, length, digest = entry
    if (
        not isinstance(step_id, str)
        or not isinstance(status, str)
        or isinstance(length, bool)
        or not isinstance(length, int)
        or length < 0
        or not isinstance(digest, str)
    ):
        raise _malformed("each step must be [id, status, log length, digest]")
    return step_id, StepMark(status=StepStatus(status), log_length=length, log_digest=digest)


def _malformed(detail: str) -> InvalidCursorError:
    return InvalidCursorError(f"invalid watch cursor: {detail}; {_ADVICE}")
