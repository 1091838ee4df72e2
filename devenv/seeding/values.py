"""Type semantics: literals to raw values, raw values to binary COPY fields, and back to text."""

from __future__ import annotations

import ipaddress
import json
import re
import struct
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from devenv.seeding.model import PgType

NULL = b"\xff\xff\xff\xff"
DAY_US = 86_400_000_000
_EPOCH_DATE = date(2000, 1, 1)
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_LEN = struct.Struct("!i")
_I2 = struct.Struct("!ih")
_I4 = struct.Struct("!ii")
_I8 = struct.Struct("!iq")
_F4 = struct.Struct("!if")
_F8 = struct.Struct("!id")
_INTERVAL = struct.Struct("!iqii")
_TIMETZ = struct.Struct("!iqi")

# Types whose binary value has one size, as a struct code (raw values as the codecs take them).
FIXED_WIDTH = {
    "int2": ("h", 2),
    "int4": ("i", 4),
    "int8": ("q", 8),
    "date": ("i", 4),
    "timestamp": ("q", 8),
    "timestamptz": ("q", 8),
    "time": ("q", 8),
    "float4": ("f", 4),
    "float8": ("d", 8),
    "bool": ("?", 1),
    "uuid": ("16s", 16),
}
TEXT_BASES = {"text", "varchar", "bpchar", "name", "citext", "enum", "char"}
INT_BASES = {"int2", "int4", "int8"}
INT_LIMITS = {"int2": 2**15 - 1, "int4": 2**31 - 1, "int8": 2**63 - 1}
TEMPORAL_BASES = {"date", "timestamp", "timestamptz", "time", "timetz", "interval"}


def text_field(value: str) -> bytes:
    """Encode one text value as a binary COPY field."""
    data = value.encode()
    return _LEN.pack(len(data)) + data


def to_date(value: date) -> int:
    """Return days since 2000-01-01, PostgreSQL's date epoch."""
    return (value - _EPOCH_DATE).days


def to_timestamp(value: datetime) -> int:
    """Return microseconds since 2000-01-01 UTC (naive values count as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - _EPOCH) // timedelta(microseconds=1)


def coerce(value: Any, pgtype: PgType) -> Any:
    """Convert a TOML value or a CHECK literal to the raw form used for `pgtype`."""
    base = pgtype.base
    if value is None:
        return None
    if base == "array":
        assert pgtype.element is not None
        return [coerce(v, pgtype.element) for v in value]
    if base == "range":
        assert pgtype.element is not None
        given = _pair(value)
        low, high = (coerce(v, pgtype.element) for v in given)
        if low is None or high is None or not low < high:
            raise ValueError(f"range [{given[0]}, {given[1]}) is empty: give lower < upper")
        return low, high
    if base in ("bit", "varbit"):
        bits = str(value)
        if bits.strip("01"):
            raise ValueError(f"bit string {bits!r} holds characters other than 0 and 1")
        size = pgtype.typmod
        if size > 0 and (len(bits) > size or (base == "bit" and len(bits) != size)):
            raise ValueError(f"bit string {bits!r} is not {size} bits long")
        return bits
    if base in INT_BASES:
        return int(value)
    if base in ("float4", "float8"):
        return float(value)
    if base in ("numeric", "money"):
        return Decimal(str(value))
    if base == "bool":
        return value if isinstance(value, bool) else str(value).lower() in ("t", "true", "1")
    if base in ("date", "timestamp", "timestamptz", "time", "timetz", "interval"):
        return coerce_temporal(value, base)
    if base == "uuid":
        return uuid.UUID(str(value)).bytes
    if base in ("json", "jsonb"):
        return value
    if base == "bytea":
        return value if isinstance(value, bytes) else str(value).encode()
    return str(value)


def _pair(value: Any) -> tuple[Any, Any]:
    """[lower, upper] from a definition (or a range read from the database)."""
    if hasattr(value, "lower") and hasattr(value, "upper"):
        return value.lower, value.upper
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ValueError(f"a range is written [lower, upper], not {value!r}")
    return value[0], value[1]


def coerce_temporal(value: Any, base: str) -> int:
    """Convert dates, datetimes, ISO strings and `N unit` intervals to integer units."""
    if isinstance(value, int):
        return value
    if base == "interval":
        return parse_duration(str(value))
    if base in ("time", "timetz"):
        clock = value if isinstance(value, time) else time.fromisoformat(str(value)[:15])
        return ((clock.hour * 60 + clock.minute) * 60 + clock.second) * 1_000_000
    moment: datetime
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        moment = datetime.fromisoformat(str(value))
    if base == "date":
        return to_date(moment.date())
    return to_timestamp(moment)


_UNITS = {
    "us": 1,
    "ms": 1000,
    "s": 1_000_000,
    "m": 60_000_000,
    "min": 60_000_000,
    "h": 3_600_000_000,
    "d": DAY_US,
    "day": DAY_US,
    "days": DAY_US,
    "w": 7 * DAY_US,
    "minutes": 60_000_000,
    "hours": 3_600_000_000,
    "seconds": 1_000_000,
    "weeks": 7 * DAY_US,
    "y": 365 * DAY_US,
    "years": 365 * DAY_US,
}


def parse_duration(text: str) -> int:
    """Parse `90m`, `2h`, `3 days`, `1y` into microseconds."""
    number = text.strip().rstrip("abcdefghijklmnopqrstuvwxyz ").strip()
    unit = text.strip()[len(number) :].strip().lower() or "s"
    if unit not in _UNITS or not number:
        raise ValueError(f"cannot read duration {text!r}; use e.g. 90m, 2h, 3d, 1y")
    return int(float(number) * _UNITS[unit])


_PG_UNITS = {"year": 365, "mon": 28, "day": 1, "week": 7}
_PG_LONG = {"year": 366, "mon": 31}


def pg_interval(text: str, *, longest: bool = False) -> int:
    """Microseconds in an interval as PostgreSQL prints it (`1 day 02:00:00`, `-00:30:00`).

    Months and years vary: 28 and 365 days, or 31 and 366 with `longest`.
    """
    total, rest = 0, text.strip().lower()
    for number, name in re.findall(r"(-?\d+(?:\.\d+)?)\s*(year|mon|week|day)s?\b", rest):
        days = (_PG_LONG if longest else {}).get(name, _PG_UNITS[name])
        total += int(float(number) * days * DAY_US)
    clock = re.search(r"(-?)(\d+):(\d\d)(?::(\d\d(?:\.\d+)?))?", rest)
    if clock:
        sign, hours, minutes, seconds = clock.groups()
        span = (int(hours) * 3600 + int(minutes) * 60 + float(seconds or 0)) * 1_000_000
        total += int(-span if sign else span)
    elif not re.search(r"\d\s*(year|mon|week|day)", rest):
        return parse_duration(text)  # `90m`, `2h`, `45 seconds`
    return total


def display(value: Any, pgtype: PgType) -> str:
    """Render a raw value as text, for templates and object contents."""
    base = pgtype.base
    if value is None:
        return ""
    if base == "uuid":
        return str(uuid.UUID(bytes=value))
    if base == "date":
        return (_EPOCH_DATE + timedelta(days=value)).isoformat()
    if base in ("timestamp", "timestamptz"):
        return (_EPOCH + timedelta(microseconds=value)).isoformat()
    if base in ("json", "jsonb"):
        return json.dumps(value, sort_keys=True)
    if base == "range" and pgtype.element is not None:
        return f"[{display(value[0], pgtype.element)},{display(value[1], pgtype.element)})"
    return str(value)


class Codec:
    """Encodes raw values of one type into binary COPY fields, one at a time or a list at once."""

    __slots__ = ("_inner", "fixed", "many", "type_name")

    def __init__(
        self,
        inner: Callable[[Any], bytes],
        many: Callable[[list[Any]], list[bytes]] | None = None,
        *,
        type_name: str = "",
        fixed: tuple[str, int] | None = None,
    ) -> None:
        self._inner = inner
        self.many: Callable[[list[Any]], list[bytes]] = many or self._many
        # Codecs with the same type name encode a value to the same bytes.
        self.type_name = type_name
        # (struct code, size) when every non-NULL field is `size` bytes packed as `code`.
        self.fixed = fixed

    def __call__(self, value: Any) -> bytes:
        """Encode one value (None is NULL)."""
        return NULL if value is None else self._inner(value)

    def _many(self, values: list[Any]) -> list[bytes]:
        inner = self._inner
        return [NULL if v is None else inner(v) for v in values]


def _texts(values: list[Any]) -> list[bytes]:
    """Encode a list of strings in two C-speed passes (falls back on NULLs)."""
    if None in values:
        return [NULL if v is None else text_field(v) for v in values]
    data = [v.encode() for v in values]
    pack = _LEN.pack
    return [pack(len(b)) + b for b in data]


def _fixed(shape: struct.Struct, size: int) -> Callable[[list[Any]], list[bytes]]:
    pack = shape.pack
    return lambda values: [NULL if v is None else pack(size, v) for v in values]


def encoder(pgtype: PgType) -> Codec:
    """Return the codec that turns raw values (or None) into binary COPY fields."""
    base = pgtype.base
    many: Callable[[list[Any]], list[bytes]] | None = None
    if base in ("int8", "timestamp", "timestamptz", "time"):
        many = _fixed(_I8, 8)
    elif base in ("int4", "date"):
        many = _fixed(_I4, 4)
    elif base in TEXT_BASES:
        many = _texts
    return Codec(_payload_encoder(pgtype), many, type_name=pgtype.name, fixed=FIXED_WIDTH.get(base))


Encoder = Codec


def writable(pgtype: PgType) -> bool:
    """Return True when devenv can write values of this type into binary COPY."""
    try:
        _payload_encoder(pgtype)
    except ValueError:
        return False
    return True


def _payload_encoder(pgtype: PgType) -> Callable[[Any], bytes]:
    """Pick the binary encoder for one base type."""
    simple: dict[str, Callable[[Any], bytes]] = {
        "int2": lambda v: _I2.pack(2, v),
        "int4": lambda v: _I4.pack(4, v),
        "int8": lambda v: _I8.pack(8, v),
        "float4": lambda v: _F4.pack(4, v),
        "float8": lambda v: _F8.pack(8, v),
        "bool": lambda v: b"\x00\x00\x00\x01\x01" if v else b"\x00\x00\x00\x01\x00",
        "uuid": lambda v: b"\x00\x00\x00\x10" + v,
        "bytea": lambda v: _LEN.pack(len(v)) + v,
        "date": lambda v: _I4.pack(4, v),
        "timestamp": lambda v: _I8.pack(8, v),
        "timestamptz": lambda v: _I8.pack(8, v),
        "time": lambda v: _I8.pack(8, v),
        "timetz": lambda v: _TIMETZ.pack(12, v, 0),
        "interval": lambda v: _INTERVAL.pack(16, v, 0, 0),
        "numeric": lambda v: _field(numeric_payload(Decimal(v))),
        "money": lambda v: _I8.pack(8, int(Decimal(v) * 100)),
        "json": lambda v: text_field(json.dumps(v, separators=(", ", ": "))),
        "jsonb": lambda v: _field(b"\x01" + json.dumps(v, separators=(", ", ": ")).encode()),
        "inet": lambda v: _field(inet_payload(str(v), cidr=False)),
        "cidr": lambda v: _field(inet_payload(str(v), cidr=True)),
        "macaddr": lambda v: _field(
            v if isinstance(v, bytes) else bytes.fromhex(v.replace(":", ""))
        ),
        "tsvector": lambda v: _field(tsvector_payload(str(v))),
    }
    if pgtype.base in simple:
        return simple[pgtype.base]
    if pgtype.base in TEXT_BASES:
        return text_field
    if pgtype.base == "array" and pgtype.element is not None:
        return _array_encoder(pgtype.element)
    if pgtype.base == "range" and pgtype.element is not None:
        return _range_encoder(pgtype.element)
    if pgtype.base in ("bit", "varbit"):
        return lambda v: _field(bits_payload(v))
    raise ValueError(f"type {pgtype.name} has no binary encoder")


def _field(payload: bytes) -> bytes:
    """Prefix a payload with its length."""
    return _LEN.pack(len(payload)) + payload


def numeric_payload(value: Decimal) -> bytes:
    """Encode a Decimal in PostgreSQL's binary numeric format (base-10000 digits)."""
    negative = value < 0
    text = format(abs(value), "f")
    whole, _, frac = text.partition(".")
    dscale = len(frac)
    whole = whole.zfill((len(whole) + 3) // 4 * 4)
    frac = frac.ljust((len(frac) + 3) // 4 * 4, "0")
    groups = [int(whole[i : i + 4]) for i in range(0, len(whole), 4)]
    weight = len(groups) - 1
    groups += [int(frac[i : i + 4]) for i in range(0, len(frac), 4)]
    while groups and groups[0] == 0:
        groups.pop(0)
        weight -= 1
    while groups and groups[-1] == 0:
        groups.pop()
    if not groups:
        weight = 0
    sign = 0x4000 if negative and groups else 0
    return struct.pack(f"!hhHH{len(groups)}H", len(groups), weight, sign, dscale, *groups)


def tsvector_payload(text: str) -> bytes:
    """Encode the words of a text as a tsvector: its lexemes in order, each with its positions.

    Words are lower-cased but not stemmed (as the `simple` text search configuration does).
    """
    places: dict[str, list[int]] = {}
    for position, word in enumerate(re.findall(r"[a-z0-9]+", text.lower())[:16383], start=1):
        places.setdefault(word, []).append(position)
    out = [struct.pack("!i", len(places))]
    for word in sorted(places, key=str.encode):
        positions = places[word][:256]
        packed = struct.pack(f"!H{len(positions)}H", len(positions), *positions)
        out.append(word.encode() + b"\x00" + packed)
    return b"".join(out)


def inet_payload(text: str, *, cidr: bool) -> bytes:
    """Encode an inet/cidr value: family, bits, is_cidr, length, address bytes."""
    network = ipaddress.ip_interface(text)
    family = 2 if network.version == 4 else 3
    packed = network.ip.packed if not cidr else network.network.network_address.packed
    return bytes([family, network.network.prefixlen, int(cidr), len(packed)]) + packed


def bits_payload(bits: str) -> bytes:
    """Encode a bit string ("0110"): its length in bits, then the bits, left-aligned in bytes."""
    size = (len(bits) + 7) // 8
    value = int(bits, 2) << (size * 8 - len(bits)) if bits else 0
    return _LEN.pack(len(bits)) + value.to_bytes(size, "big")


def _range_encoder(element: PgType) -> Callable[[Any], bytes]:
    """Encode a (lower, upper) pair as the range [lower, upper)."""
    inner = encoder(element)
    return lambda bounds: _field(b"\x02" + inner(bounds[0]) + inner(bounds[1]))


def _array_encoder(element: PgType) -> Callable[[Any], bytes]:
    """Encode a one-dimensional array of `element` values."""
    inner = encoder(element)
    oid = element.oid

    def encode(values: Any) -> bytes:
        items = list(values)
        if not items:
            return _field(struct.pack("!iii", 0, 0, oid))
        has_null = int(any(v is None for v in items))
        head = struct.pack("!iiiii", 1, has_null, oid, len(items), 1)
        return _field(head + b"".join(inner(v) for v in items))

    return encode
