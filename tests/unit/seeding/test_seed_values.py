"""Binary COPY encoders and literal coercion."""

from __future__ import annotations

import struct
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from devenv.seeding.model import PgType
from devenv.seeding.values import (
    NULL,
    coerce,
    display,
    encoder,
    inet_payload,
    numeric_payload,
    parse_duration,
)


def t(base: str, typmod: int = -1, **kw: object) -> PgType:
    return PgType(0, base, base, typmod, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("0"), (0, 0, 0, 0, ())),
        (Decimal("1234.50"), (2, 0, 0, 2, (1234, 5000))),
        (Decimal("-0.05"), (1, -1, 0x4000, 2, (500,))),
        (Decimal("10000"), (1, 1, 0, 0, (1,))),
        (Decimal("123456789.1"), (4, 2, 0, 1, (1, 2345, 6789, 1000))),
    ],
)
def test_numeric_binary_format(value: Decimal, expected: tuple[object, ...]) -> None:
    payload = numeric_payload(value)
    ndigits, weight, sign, dscale = struct.unpack("!hhHH", payload[:8])
    digits = struct.unpack(f"!{ndigits}H", payload[8:])
    assert (ndigits, weight, sign, dscale, digits) == expected


def test_inet_and_cidr() -> None:
    assert inet_payload("192.0.2.7", cidr=False) == bytes([2, 32, 0, 4, 192, 0, 2, 7])
    assert inet_payload("2001:db8::/32", cidr=True)[:4] == bytes([3, 32, 1, 16])


def test_null_and_fixed_width_fields() -> None:
    assert encoder(t("int8"))(None) == NULL
    assert encoder(t("int4"))(7) == b"\x00\x00\x00\x04\x00\x00\x00\x07"
    assert encoder(t("bool"))(True) == b"\x00\x00\x00\x01\x01"
    assert encoder(t("text")).many(["ab", None]) == [b"\x00\x00\x00\x02ab", NULL]


def test_arrays() -> None:
    field = encoder(PgType(1009, "text[]", "array", element=PgType(25, "text", "text")))(["x"])
    assert field[4:] == struct.pack("!iiiii", 1, 0, 25, 1, 1) + b"\x00\x00\x00\x01x"


def test_coerce_temporal_and_display_round_trip() -> None:
    assert coerce(date(2000, 1, 2), t("date")) == 1
    assert coerce("2000-01-01T00:00:01+00:00", t("timestamptz")) == 1_000_000
    stamp = coerce(datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC), t("timestamptz"))
    assert display(stamp, t("timestamptz")) == "2024-05-06T07:08:09+00:00"
    assert display(coerce("2024-02-29", t("date")), t("date")) == "2024-02-29"


def test_durations() -> None:
    assert parse_duration("90m") == 90 * 60_000_000
    assert parse_duration("2 days") == 2 * 86_400_000_000
    with pytest.raises(ValueError, match="cannot read duration"):
        parse_duration("soon")


def test_tsvector_payload_is_sorted_lexemes_with_ascending_positions() -> None:
    import struct

    from devenv.seeding.values import tsvector_payload

    payload = tsvector_payload("Beta alpha beta, gamma!")
    assert struct.unpack("!i", payload[:4]) == (3,)
    assert payload[4:] == (
        b"alpha\x00" + struct.pack("!HH", 1, 2)
        + b"beta\x00" + struct.pack("!HHH", 2, 1, 3)
        + b"gamma\x00" + struct.pack("!HH", 1, 4)
    )  # fmt: skip
