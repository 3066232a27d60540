"""Decoding response bodies into models: wire names, shapes, times and errors."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pwasync import (
    AIChat,
    AuthMethod,
    Image,
    JWKSet,
    License,
    OpenIDConfiguration,
    ProvisionStep,
    ResponseValidationError,
    Session,
    StepStatus,
)
from pwasync._converter import Decoder, parse_time, structure

IMAGE = {
    "id": "64f0c0ffee",
    "name": "ubuntu-22",
    "architecture": "amd64",
    "csp": "aws",
    "cspId": "ami-123",
    "region": "us-east-1",
    "type": "compute",
    "published": True,
    "latest": False,
    "createdAt": "2024-05-01T12:00:00.123456789Z",
    "updatedAt": "2024-05-02T12:00:00+02:00",
    "organization": "acme",
    "someFutureField": {"nested": [1, 2]},
}


def _body(value: Any) -> bytes:
    return json.dumps(value).encode()


def test_image_wire_names() -> None:
    """camelCase keys map to snake_case fields and unknown keys are ignored."""
    image = Decoder(Image).decode(_body(IMAGE))

    assert image.csp_id == "ami-123"
    assert image.published is True
    assert image.organization == "acme"
    assert image.created_at == datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)
    assert image.updated_at == datetime(2024, 5, 2, 10, 0, tzinfo=timezone.utc)


def test_image_alternative_spellings() -> None:
    """created_at and 'organization,omitempty' are read when the usual keys are absent."""
    wire = {"name": "x", "created_at": "2024-01-01T00:00:00Z", "organization,omitempty": "acme"}

    image = Decoder(Image).decode(_body(wire))

    assert image.created_at == datetime(2024, 1, 1, tzinfo=timezone.utc)
    assert image.organization == "acme"


def test_structured_equals_constructed() -> None:
    """A decoded model equals, hashes and behaves like one built by its constructor."""
    decoded = Decoder(Image).decode(_body({"name": "x", "csp": "aws"}))

    built = Image(name="x", csp="aws")

    assert decoded == built
    assert hash(decoded) == hash(built)
    assert repr(decoded) == repr(built)


@pytest.mark.parametrize("wrapper", ["BaseSessionResponse", None])
def test_session_wrapped_or_flat(wrapper: str | None) -> None:
    """A session decodes from the wrapped and the flat shape alike."""
    session = {"name": "desk", "status": "running", "remotePort": 5901, "localPort": None}
    wire = {wrapper: session} if wrapper else session

    decoded = Decoder(Session).decode(_body(wire))

    assert decoded == Session(name="desk", status="running", remote_port=5901)


@pytest.mark.parametrize("wrapper", ["AuthMethod", None])
def test_auth_method_wrapped_or_flat(wrapper: str | None) -> None:
    """An auth method decodes from the wrapped and the flat shape alike."""
    method = {"id": "am-1", "type": "oidc", "name": "corp", "displayName": "Corp SSO"}
    wire = {wrapper: method} if wrapper else method

    decoded = Decoder(AuthMethod).decode(_body(wire))

    assert decoded.display_name == "Corp SSO"


def test_provision_steps_with_nulls() -> None:
    """Null lists and strings take their defaults; unknown statuses become UNKNOWN."""
    wire = [
        {
            "id": "s1",
            "index": 0,
            "name": "network",
            "status": "hibernating",
            "logs": None,
            "attributes": None,
            "children": [{"id": "c1", "status": "failed", "error": "quota", "children": None}],
        }
    ]

    (step,) = Decoder(tuple[ProvisionStep, ...]).decode(_body(wire))

    assert step.status is StepStatus.UNKNOWN
    assert step.logs == ""
    assert step.attributes == ()
    assert step.children[0].status is StepStatus.FAILED
    assert step.children[0].children == ()
    assert Decoder(tuple[ProvisionStep, ...]).decode(b"null") == ()


def test_openid_documents_snake_case() -> None:
    """The OpenID documents keep their snake_case wire names."""
    config = {
        "issuer": "https://p.example",
        "jwks_uri": "https://p.example/keys",
        "claims_supported": ["sub"],
        "response_types_supported": ["code"],
    }
    keys = {"keys": [{"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256", "n": "x", "e": "y"}]}

    decoded_config = Decoder(OpenIDConfiguration).decode(_body(config))
    decoded_keys = Decoder(JWKSet).decode(_body(keys))

    assert decoded_config.claims_supported == ("sub",)
    assert decoded_keys.keys[0].alg == "RS256"


def test_empty_time_is_none() -> None:
    """An empty time string in an optional field means no time."""
    license_ = Decoder(License).decode(b'{"license": "abc", "expiration": ""}')

    assert license_.expiration is None


@pytest.mark.parametrize(
    ("wire", "model", "field", "detail"),
    [
        ({"name": 5}, "Image", "name", "expected a string, got an integer"),
        ({"name": "x", "published": "true"}, "Image", "published", "expected a boolean"),
        ({"csp": "aws"}, "Image", "name", "the field is missing"),
        ({"name": "x", "createdAt": "yesterday"}, "Image", "created_at", "invalid RFC 3339"),
        ({"name": "x", "createdAt": 1700000000}, "Image", "created_at", "expected an RFC 3339"),
        (["x"], "Image", "", "expected an object, got an array"),
    ],
)
def test_wrong_types_raise_validation_error(wire: Any, model: str, field: str, detail: str) -> None:
    """A value of the wrong type names the model and field and keeps the raw body."""
    body = _body(wire)

    with pytest.raises(ResponseValidationError, match=detail) as caught:
        Decoder(Image).decode(body)

    assert caught.value.model == model
    assert caught.value.field == field
    assert caught.value.body == body


def test_error_path_in_nested_list() -> None:
    """An error deep in a list names the innermost model and the path to the value."""
    wire = [{"id": "s1", "status": "pending", "children": [{"id": "c", "status": 7}]}]

    with pytest.raises(ResponseValidationError) as caught:
        Decoder(tuple[ProvisionStep, ...]).decode(_body(wire))

    assert caught.value.model == "ProvisionChild"
    assert caught.value.field == "status"
    assert "[0].children[0].status" in str(caught.value)


def test_error_message_leaves_out_values() -> None:
    """A wrong-typed secret value never appears in the message."""
    wire = {"name": "chat", "variables": "hunter2-secret"}

    with pytest.raises(ResponseValidationError) as caught:
        Decoder(AIChat).decode(_body(wire))

    assert "hunter2" not in str(caught.value)
    assert "hunter2" not in repr(caught.value)
    assert caught.value.field == "variables"


@pytest.mark.parametrize("body", [b"<html><h1>502 Bad Gateway</h1></html>", b"", b"\xff\xfe"])
def test_non_json_body(body: bytes) -> None:
    """A body that is not JSON raises ResponseValidationError keeping the bytes."""
    with pytest.raises(ResponseValidationError, match="not valid JSON") as caught:
        Decoder(list[Image]).decode(body)

    assert caught.value.body == body
    assert caught.value.model == "list[Image]"


def test_strict_primitives() -> None:
    """A JSON string is not accepted where a boolean or a string list is expected."""
    with pytest.raises(ResponseValidationError, match="expected a boolean"):
        structure({"name": "x", "ingested": "false"}, AIChat)
    with pytest.raises(ResponseValidationError, match="expected an array"):
        structure({"issuer": "i", "jwks_uri": "j", "claims_supported": "sub"}, OpenIDConfiguration)


def test_model_with_validator_built_through_init() -> None:
    """A model with a validator is built by its __init__, so the validator runs."""

    @attrs.frozen(kw_only=True)
    class Port:
        number: int = attrs.field(validator=attrs.validators.ge(1))

    assert structure({"number": 8080}, Port) == Port(number=8080)
    with pytest.raises(ResponseValidationError, match="must be >= 1"):
        structure({"number": 0}, Port)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T12:00:00Z", datetime(2024, 5, 1, 12, tzinfo=timezone.utc)),
        ("2024-05-01T12:00:00z", datetime(2024, 5, 1, 12, tzinfo=timezone.utc)),
        ("2024-05-01T12:00:00.5Z", datetime(2024, 5, 1, 12, 0, 0, 500000, tzinfo=timezone.utc)),
        (
            "2024-05-01T12:00:00.123456789-05:00",
            datetime(2024, 5, 1, 17, 0, 0, 123456, tzinfo=timezone.utc),
        ),
        ("2024-05-01T12:00:00", datetime(2024, 5, 1, 12, tzinfo=timezone.utc)),
        ("0001-01-01T00:00:00Z", datetime(1, 1, 1, tzinfo=timezone.utc)),
    ],
)
def test_parse_time_forms(text: str, expected: datetime) -> None:
    """RFC 3339 times parse to aware datetimes, whatever the fraction length."""
    parsed = parse_time(text)

    assert parsed == expected
    assert parsed.tzinfo is not None


@pytest.mark.parametrize("text", ["", "2024-13-01T00:00:00Z", "noon", "2024-05-01T25:00:00Z"])
def test_parse_time_rejects(text: str) -> None:
    """Text that is not an RFC 3339 time raises ValueError."""
    with pytest.raises(ValueError, match="invalid RFC 3339 time"):
        parse_time(text)


@given(
    moment=st.datetimes(
        min_value=datetime(1970, 1, 1),
        max_value=datetime(2200, 1, 1),
        timezones=st.just(timezone(timedelta(hours=-3))),
    ),
    nanos=st.integers(min_value=0, max_value=999),
)
def test_parse_time_round_trip(moment: datetime, nanos: int) -> None:
    """Any time printed with nanoseconds and a Z parses back to the same microsecond."""
    utc = moment.astimezone(timezone.utc)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond:06d}{nanos:03d}Z"

    assert parse_time(text) == utc
