"""Bad input from the server: random and mutated bodies raise only pwasync errors.

Every response decoder that the resources hand to the transport gets random
JSON, random bytes, and valid bodies with one part broken. The only exception
that may come out is ``ResponseValidationError``, never a ``KeyError``,
``TypeError``, ``ValueError`` or a cattrs error, and whatever decodes must be
usable: its repr and derived properties work. The error mapping of non-2xx
replies and the ``Retry-After`` parser get the same treatment.
"""

from __future__ import annotations

import copy
import importlib
import json
import pkgutil
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict, CIMultiDictProxy

import pwasync.resources
from pwasync import APIError, ProvisionSnapshot, ProvisionStep, ResponseValidationError
from pwasync._converter import Decoder
from pwasync._failures import api_error
from pwasync._retry import parse_retry_after
from pwasync._routes import ROUTES
from pwasync._transport import CompiledRoute

# Modest counts, because CI runs this file on four Pythons.
EXAMPLES = settings(max_examples=200, deadline=None)
FEWER_EXAMPLES = settings(max_examples=100, deadline=None)

TIME = "2024-05-01T12:30:45.123456789Z"
SESSION = {
    "name": "desktop",
    "slug": "desktop",
    "status": "running",
    "type": "desktop",
    "remoteHost": "10.0.0.4",
    "remotePort": 5901,
    "localPort": 0,
    "targetId": "tgt-1",
    "url": "https://example.test/desktop",
    "user": "alice",
    "createdAt": TIME,
}
IMAGE = {
    "name": "rocky9",
    "architecture": "amd64",
    "csp": "aws",
    "cspId": "ami-1",
    "region": "us-east-1",
    "type": "compute",
    "published": True,
    "id": "img-1",
    "latest": True,
    "created_at": TIME,
    "updatedAt": TIME,
    "organization,omitempty": "acme",
}
CHAT = {
    "name": "helper",
    "namespace": "alice",
    "csp": "aws",
    "variables": {"model": "small"},
    "provisionOutput": {"url": "https://example.test"},
    "expiresAt": None,
    "provisioned": True,
    "currentlyProvisioning": False,
    "ingested": False,
}
STEP = {
    "id": "network",
    "index": 1,
    "name": "create_network",
    "label": "Create network",
    "status": "provisioning",
    "logs": "started\n",
    "error": "",
    "attributes": [{"key": "vpc", "value": "vpc-1", "type": "string"}],
    "createdAt": TIME,
    "updatedAt": TIME,
    "children": [
        {
            "id": "node-0",
            "index": 0,
            "label": "Node 0",
            "status": "provisioned",
            "createdAt": TIME,
            "updatedAt": TIME,
            "children": None,
        }
    ],
}

# A valid body for each decoded type, by the decoder's name.
VALID_BODIES: dict[str, Any] = {
    "str": "alice",
    "Session": {"BaseSessionResponse": SESSION},
    "list[Session]": [SESSION, SESSION],
    "AuthMethod": {
        "AuthMethod": {"id": "am-1", "type": "oidc", "name": "sso", "displayName": "SSO"}
    },
    "OpenIDConfiguration": {
        "issuer": "https://example.test",
        "jwks_uri": "https://example.test/keys",
        "claims_supported": ["sub", "org"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "subject_types_supported": ["public"],
    },
    "JWKSet": {
        "keys": [{"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256", "n": "x", "e": "AQAB"}]
    },
    "Image": IMAGE,
    "list[Image]": [IMAGE],
    "tuple[ProvisionStep, ...]": [STEP, {**STEP, "id": "compute", "index": 2}],
    "License": {"license": "text", "expiration": TIME},
    "AIChat": CHAT,
    "list[AIChat]": {"ai": [CHAT]},
}


def _resource_decoders() -> dict[str, Decoder[Any]]:
    """Return every module-level decoder of the resource modules, by the name it decodes."""
    decoders: dict[str, Decoder[Any]] = {}
    for module_info in pkgutil.iter_modules(pwasync.resources.__path__):
        module = importlib.import_module(f"pwasync.resources.{module_info.name}")
        for value in vars(module).values():
            if isinstance(value, Decoder):
                decoders[value.name] = value
    return decoders


DECODERS = _resource_decoders()

# Bodies no decoder can read: empty, cut short, not UTF-8, nested past the recursion limit.
RAW_BODIES = [b"", b"{", b'{"name": "a"', b"\xff\xfe", b"[" * 100_000, b"NaN garbage"]

# Keys of the real objects, so that random objects often hit real fields.
WIRE_KEYS = sorted({key for body in (SESSION, IMAGE, CHAT, STEP) for key in body})

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(["", TIME, "2024-13-45T99:99:99Z", "pending", "failed"]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(WIRE_KEYS) | st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=6,
)


def _decode(name: str, body: bytes) -> object:
    """Decode ``body`` as the transport does; return the value or the validation error."""
    error: ResponseValidationError | None = None
    try:
        value = DECODERS[name].decode(body)
    except ResponseValidationError as raised:
        error = raised
    if error is None:
        _use(value)
        return value

    assert str(error).startswith("invalid response for ")
    assert isinstance(error.model, str)
    assert isinstance(error.field, str)
    assert error.body == body
    repr(error)
    return error


def _use(value: object) -> None:
    """Touch what a caller would use of a decoded value: its repr and derived properties."""
    repr(value)
    items = value if isinstance(value, (list, tuple)) else [value]
    steps = [item for item in items if isinstance(item, ProvisionStep)]
    if steps:
        snapshot = ProvisionSnapshot(infra_id="inf-1", steps=tuple(steps))
        assert 0.0 <= snapshot.progress <= 1.0
        snapshot.outcome  # noqa: B018 (the property must not raise)
        snapshot.failed_steps  # noqa: B018 (the property must not raise)
    for item in items:
        if hasattr(item, "ready"):
            item.ready  # noqa: B018 (the property must not raise)


def _mutate(body: Any, path: list[int], action: str, replacement: Any) -> Any:
    """Return a copy of ``body`` with the value that ``path`` leads to replaced, removed or wrapped.

    Each number of ``path`` picks a key or an index (modulo the count) one level deeper.
    """
    body = copy.deepcopy(body)
    container: Any = None
    key: Any = None
    node = body
    for step in path:
        if not isinstance(node, (dict, list)) or not node:
            break
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        container, key = node, keys[step % len(keys)]
        node = node[key]
    if container is None:
        return replacement
    if action == "remove" and isinstance(container, dict):
        del container[key]
    elif action == "wrap":
        container[key] = [node]
    elif action == "null":
        container[key] = None
    else:
        container[key] = replacement
    return body


def test_every_resource_decoder_has_a_valid_body() -> None:
    """The property tests cover every decoder the resources use, and each valid body decodes."""
    assert set(DECODERS) == set(VALID_BODIES)

    for name, body in VALID_BODIES.items():
        value = _decode(name, json.dumps(body).encode())

        assert not isinstance(value, ResponseValidationError), (name, value)


@pytest.mark.parametrize("name", sorted(VALID_BODIES))
@EXAMPLES
@given(
    kind=st.sampled_from(["mutated", "mutated", "json", "bytes"]),
    path=st.lists(st.integers(0, 63), max_size=5),
    action=st.sampled_from(["replace", "remove", "wrap", "null"]),
    replacement=json_values,
    raw=st.binary(max_size=64),
)
def test_bad_bodies_raise_only_validation_errors(
    name: str, kind: str, path: list[int], action: str, replacement: Any, raw: bytes
) -> None:
    """Mutated bodies, random JSON and random bytes decode, or raise ResponseValidationError."""
    if kind == "mutated":
        body = json.dumps(_mutate(VALID_BODIES[name], path, action, replacement)).encode()
    elif kind == "json":
        body = json.dumps(replacement).encode()
    else:
        body = raw

    _decode(name, body)


@pytest.mark.parametrize("name", sorted(VALID_BODIES))
@pytest.mark.parametrize("body", RAW_BODIES)
def test_unreadable_bodies_rejected(name: str, body: bytes) -> None:
    """Empty, cut, non-UTF-8, non-JSON and deeply nested bodies raise ResponseValidationError."""
    result = _decode(name, body)

    assert isinstance(result, ResponseValidationError)


@FEWER_EXAMPLES
@given(
    status=st.integers(300, 599),
    body=st.binary(max_size=200) | json_values.map(lambda value: json.dumps(value).encode()),
    content_type=st.sampled_from(["application/json", "text/html", ""]),
)
def test_error_bodies_map_to_api_errors(status: int, body: bytes, content_type: str) -> None:
    """Any non-2xx status and body becomes an APIError with a message of bounded length."""
    headers = CIMultiDictProxy(CIMultiDict({"Content-Type": content_type}))
    route = CompiledRoute(ROUTES["sessions.get"])

    error = api_error(route, status, "Reason", headers, body, "req-1", None)

    assert isinstance(error, APIError)
    assert error.status == status
    assert error.path == "/api/sessions/{namespace}/{name}"
    assert len(error.message) <= 600
    repr(error)


@FEWER_EXAMPLES
@given(value=st.text(max_size=40) | st.none(), date=st.text(max_size=40) | st.none())
def test_retry_after_parsing_never_raises(value: str | None, date: str | None) -> None:
    """Any Retry-After and Date header text gives a wait of 0 or more seconds, or None."""
    wait = parse_retry_after(value, date=date)

    assert wait is None or wait >= 0
