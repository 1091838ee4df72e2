"""The definition kinds (provider, choices, range, constant, template, follow, after, object)."""

from __future__ import annotations

import re
import string
import struct
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

from devenv.config_check import valid_bucket
from devenv.seeding import keys, providers
from devenv.seeding.checks import ColumnRules, Relation
from devenv.seeding.definitions import ColumnDef
from devenv.seeding.derived import DerivedColumns
from devenv.seeding.gens import ConstGen, DerivedGen, ForeignGen, Gen, PoolGen, RowGen
from devenv.seeding.model import Column, PgType
from devenv.seeding.pools import SLOT_BITS, TABLE_SIZE, build_table
from devenv.seeding.rng import Draws, key_int, mix
from devenv.seeding.rules import family, infer, snake
from devenv.seeding.shaping import bounds, fit, max_length, range_values
from devenv.seeding.values import coerce, display, encoder

_OBJECT_KEY = re.compile(
    r"(storage_key|object_key|file_key|s3_key|_key$|_path$|^path$|^key$)", re.I
)
_SLUG = re.compile(r"[^a-z0-9]+")
_CONTENT_TYPE = re.compile(r"^(content_type|mime_type|media_type)$", re.I)
_ROW_SPEC = re.compile(r"^0?\d*d?$")
# Range widths by element family: (unit, most units); a range spans 1 to that many units.
_RANGE_WIDTH: dict[str, tuple[Any, int]] = {
    "int": (1, 50),
    "decimal": (Decimal(1), 500),
    "date": (1, 14),
    "timestamp": (15 * 60 * 1_000_000, 4),
}


class SpecialColumns(DerivedColumns):
    """One method per definition kind, plus provider pools, arrays and object detection."""

    def pool(
        self,
        col: Column,
        made: providers.Made,
        cdef: ColumnDef | None,
        *,
        strict: bool,
        nulls: bool = True,
    ) -> Gen:
        """Wrap provider values in a draw table (TableBuilder)."""
        raise NotImplementedError

    def offset(self, col: Column, relation: Relation, cdef: ColumnDef | None) -> Gen:
        """Order `col` after another column (TableBuilder)."""
        raise NotImplementedError

    def from_provider(
        self,
        col: Column,
        name: str,
        args: dict[str, Any],
        cdef: ColumnDef | None,
        *,
        nulls: bool = True,
    ) -> Gen:
        """Build a generator from a provider name and its arguments."""
        if name in providers.SPECIAL and args:
            raise self.error(col.name, f"provider {name!r} takes no args (given: {sorted(args)})")
        if name == "uuid":
            return self.uuids(col, "uuid")
        if name == "email":
            return self.email(col)
        if name not in providers.names() and not name.startswith("faker."):
            raise self.error(
                col.name,
                f"unknown provider {name!r}; known providers: "
                f"{', '.join(providers.names() + list(providers.SPECIAL))}, or faker.<method>",
            )
        cache_key = (name, repr(sorted(args.items())))
        made = self.p.pool_cache.get(cache_key)
        if made is None:
            try:
                made = providers.build(name, args, self.p.rnd(name, cache_key[1]), self.p.anchor)
            except (TypeError, ValueError, AttributeError, KeyError, ArithmeticError) as exc:
                raise self.error(
                    col.name, f"provider {name!r} rejected its args {args!r}: {exc}"
                ) from exc
            self.p.pool_cache[cache_key] = made
        return self.pool(col, made, cdef, strict=False, nulls=nulls)

    def pool_for(self, col: Column, name: str) -> Gen:
        """The usual (non-unique) generator of a text column, under a helper name.

        Its values are parts of the column's (an email's local part, a base before a suffix):
        its CHECKs (patterns, lengths, those the database evaluates) apply to whole values, so
        they are left out here.
        """
        checks = self.probes.pop(col.name, None)
        rules = self.rules.pop(col.name, None)
        try:
            return self._pool_for(col, name)
        finally:
            if checks is not None:
                self.probes[col.name] = checks
            if rules is not None:
                self.rules[col.name] = rules

    def _pool_for(self, col: Column, name: str) -> Gen:
        cdef = self.defs.get(col.name)
        if cdef is not None and cdef.kind == "provider":
            gen = self.from_provider(
                col, cdef.spec["provider"], dict(cdef.spec.get("args", {})), None, nulls=False
            )
        else:
            rule = infer(self.table.name, col.name, col.type)
            provider = (
                rule.provider if rule and rule.provider not in providers.SPECIAL else "username"
            )
            gen = self.from_provider(
                col,
                provider,
                dict(rule.args) if rule and rule.provider == provider else {},
                None,
                nulls=False,
            )
        gen.column = name
        if isinstance(gen, PoolGen):
            gen.draws = Draws(self.p.key(self.q, name), bits=SLOT_BITS)
        return gen

    def def_provider(self, col: Column, cdef: ColumnDef) -> Gen:
        """`{ provider = "city", args = {...} }`."""
        return self.from_provider(col, cdef.spec["provider"], dict(cdef.spec.get("args", {})), cdef)

    def def_choices(self, col: Column, cdef: ColumnDef) -> Gen:
        """`{ choices = ["a", "b"], weights = [3, 1] }` or `{ choices = { a = 3, b = 1 } }`."""
        choices = cdef.spec["choices"]
        values = list(choices) if isinstance(choices, dict) else choices
        weights = list(choices.values()) if isinstance(choices, dict) else cdef.spec.get("weights")
        raw = [self._coerce(col, cdef, v) for v in values]
        rules = self.rules.get(col.name, ColumnRules())
        for value in raw:
            if not fit([value], None, rules, col.type)[0]:
                raise cdef.error(
                    f"choice {display(value, col.type)!r} is not allowed by the column type, its "
                    "enum labels or its CHECK constraints"
                )
        kind = "text" if family(col.type) == "text" else family(col.type)
        made = providers.Made(raw, kind, [float(w) for w in weights] if weights else None)
        return self.pool(col, made, cdef, strict=True)

    def def_range(self, col: Column, cdef: ColumnDef) -> Gen:
        """`{ range = [low, high] }` for numbers, dates and timestamps."""
        if family(col.type) not in (
            "int",
            "decimal",
            "float",
            "date",
            "timestamp",
            "time",
            "interval",
        ):
            raise cdef.error(f"range needs a numeric or date/time column, not {col.type.name}")
        low, high = (self._coerce(col, cdef, v) for v in cdef.spec["range"])
        floor, ceiling = bounds(self.rules.get(col.name, ColumnRules()), col.type)
        low = low if floor is None else max(low, floor)
        high = high if ceiling is None else min(high, ceiling)
        if low > high:
            raise cdef.error(
                f"range {cdef.spec['range']} is empty or outside what the column's CHECK "
                "constraints allow"
            )
        values = range_values(low, high, col.type, self.p.rnd(self.q, col.name))
        return self.pool(col, providers.Made(values, family(col.type)), cdef, strict=False)

    def def_constant(self, col: Column, cdef: ColumnDef) -> Gen:
        """`{ constant = "US" }`."""
        value = self._coerce(col, cdef, cdef.spec["constant"])
        if not fit([value], None, self.rules.get(col.name, ColumnRules()), col.type)[0]:
            raise cdef.error(
                f"constant {cdef.spec['constant']!r} is not allowed by the column type or its "
                "CHECK constraints"
            )
        return ConstGen(col.name, encoder(col.type), value)

    def def_template(self, col: Column, cdef: ColumnDef) -> Gen:
        """`{ template = "{first_name}.{last_name}", transform = "lower" }`: row's columns."""
        text = cdef.spec["template"]
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
        except ValueError as exc:
            raise cdef.error(f"bad template: {exc}") from exc
        inputs = tuple(
            dict.fromkeys(f.split(".")[0].split("[")[0].split("!")[0] for f in fields if f != "row")
        )
        for name in inputs:
            if not self.table.has_column(name):
                raise cdef.error(f"template uses {{{name}}}, which is not a column of {self.q}")
            if name == col.name:
                raise cdef.error("template cannot use its own column")
        try:  # row is a number and every other field a string, as when rows are made
            text.format(row=1, **dict.fromkeys(inputs, "x" * 64))
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            raise cdef.error(f"bad template {text!r}: {exc}") from exc
        if col.name in self.carriers and "row" not in fields:
            raise cdef.error(
                "is in a unique key, so its template must use {row} to keep values distinct"
            )
        for name in inputs:
            self.depend(name)
        limit = max_length(self.rules.get(col.name, ColumnRules()), col.type)
        transform = cdef.spec.get("transform")
        if not inputs and transform is None and limit is None:
            printf = _row_printf(text)
            block: Callable[[int, int], list[Any]] | None = None
            encoded: Callable[[int, int], list[bytes]] | None = None
            if printf is not None:
                block = partial(_printf_block, printf)
                if col.type.base in ("text", "varchar", "citext"):
                    encoded = partial(_printf_fields, printf.encode())
            return RowGen(
                col.name,
                encoder(col.type),
                lambda r: text.format(row=r + 1),
                block=block,
                fields=encoded,
            )
        types = {n: self.table.column(n).type for n in inputs}
        make = _template(text, types, transform, limit)
        return DerivedGen(col.name, encoder(col.type), inputs, make, gens=self.gens)

    def def_follow(self, col: Column, cdef: ColumnDef) -> Gen:
        """`{ follow = "patient_id.clinic_id" }`: copy a column of the row the FK points at."""
        local, remote = cdef.spec["follow"].split(".")
        fk = self.p.fk_of(self.q, local) if self.table.has_column(local) else None
        if fk is None:
            raise cdef.error(f"follow needs {local!r} to be a foreign key column of {self.q}")
        parent = self.p.schema.tables[fk.ref_table]
        if not parent.has_column(remote):
            raise cdef.error(f"{fk.ref_table} has no column {remote!r}")
        if parent.column(remote).type.base != col.type.base:
            raise cdef.error(
                f"{fk.ref_table}.{remote} is {parent.column(remote).type.name}, but {col.name} is "
                f"{col.type.name}"
            )
        self.depend(local)
        if col.notnull and self.null_fraction(local, self.defs.get(local)) > 0:
            raise cdef.error(
                f"follows {local}, which is sometimes NULL; give {local} null_fraction = 0"
            )
        maps = self.maps
        value_at = self.p.value_at(fk.ref_table, remote)
        source = self.p.source(fk.ref_table, remote)
        return ForeignGen(
            col.name, encoder(col.type), fk.name, maps[fk.name], value_at, source=source
        )

    def def_after(self, col: Column, cdef: ColumnDef) -> Gen:
        """`{ after = "starts_at", min = "15m", max = "2h" }`."""
        base = cdef.spec["after"]
        if not self.table.has_column(base) or base == col.name:
            raise cdef.error(f"after names {base!r}, which is not another column of {self.q}")
        if self.table.column(base).type.base != col.type.base:
            raise cdef.error(f"after needs {base} and {col.name} to have the same type")
        return self.offset(col, Relation(base, col.name, strict=True), cdef)

    def def_object(self, col: Column, cdef: ColumnDef) -> Gen:
        """`{ object = true, bucket = "documents", content_type = "mime" }`."""
        return self.object_key(col)

    def _coerce(self, col: Column, cdef: ColumnDef, value: Any) -> Any:
        try:
            return coerce(value, col.type)
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise cdef.error(f"{value!r} is not a valid {col.type.name} ({exc})") from exc

    def array(self, col: Column) -> Gen:
        """0 to 3 elements drawn from the element type's usual generator.

        Under a CHECK devenv cannot read (`array_length(tags, 1) > 0`, `cardinality(x) <= 2`),
        the database says which lengths pass.
        """
        count = key_int(self.p.key(self.q, col.name, stream="array"))
        item = self._element(col, count)
        lengths = self._array_lengths(col, item)
        if item is None or lengths == (0,):
            return ConstGen(col.name, encoder(col.type), [])
        make = item
        return RowGen(
            col.name,
            encoder(col.type),
            lambda r: [make(r, j) for j in range(lengths[mix(count, r) % len(lengths)])],
        )

    def _element(self, col: Column, count: int) -> Callable[[int, int], Any] | None:
        """Element j of row r's array; None when devenv makes no values of the element type."""
        element = col.type.element
        assert element is not None
        if element.base == "uuid":  # distinct UUIDs: element j of row r is UUID number 4r + j
            ids = keys.UuidStream(self.p.key(self.q, col.name, stream="uuid"))
            return lambda r, j: ids.at(r * 4 + j)
        if element.base == "enum":
            values: list[Any] = list(element.labels) or [None]
        else:
            rule = infer(self.table.name, col.name, element)
            if rule is None or rule.provider in providers.SPECIAL:
                return None
            made = providers.build(
                rule.provider, rule.args, self.p.rnd(rule.provider), self.p.anchor
            )
            values = fit(list(made.values), None, ColumnRules(), element)[0] or [None]
        table, last = build_table(values, encoder(element)), TABLE_SIZE - 1
        return lambda r, j: table.value(mix(count, r * 4 + j) & last)

    def _array_lengths(
        self, col: Column, item: Callable[[int, int], Any] | None
    ) -> tuple[int, ...]:
        """The numbers of elements rows draw from: 0 to 3, or those a CHECK lets through."""
        checks = self.probes.get(col.name)
        if not checks or self.p.probe is None:
            return (0, 1, 2, 3)
        tried = range(6) if item is not None else range(1)
        arrays = [[item(0, j) for j in range(n)] if item else [] for n in tried]
        ok = self.passes(col, arrays, checks)
        allowed = tuple(n for n, good in zip(tried, ok, strict=True) if good)
        return tuple(n for n in allowed if n <= 3) or allowed[:1] or (0, 1, 2, 3)

    def range_of(self, col: Column) -> Gen | None:
        """[lower, upper) ranges: the lower bound from the element type's usual generator.

        A column in an exclusion constraint gets ranges that never overlap: row r's range lies
        in the r-th slot after the smallest lower bound, so any EXCLUDE ... WITH && holds.
        """
        element = col.type.element
        assert element is not None
        unit, longest = _RANGE_WIDTH.get(family(element), (None, 0))
        rule = infer(self.table.name, col.name, element)
        if unit is None or rule is None or rule.provider in providers.SPECIAL:
            return self.unsupported(col)
        made = providers.build(rule.provider, rule.args, self.p.rnd(rule.provider), self.p.anchor)
        lows = fit(list(made.values), None, ColumnRules(), element)[0]
        if not lows:
            return self.unsupported(col)
        key = key_int(self.p.key(self.q, col.name, stream="range"))

        def width(row: int) -> Any:
            return unit * (1 + mix(key, row) % longest)

        if any(col.name in columns for columns in self.table.exclusions):
            origin, slot = min(lows), unit * (longest + 1)
            return RowGen(
                col.name,
                encoder(col.type),
                lambda r: (origin + r * slot, origin + r * slot + width(r)),
            )
        table, last = build_table(lows, encoder(element)), TABLE_SIZE - 1

        def bounds(row: int) -> tuple[Any, Any]:
            low = table.value(mix(key, row + 1) & last)
            return low, low + width(row)

        return RowGen(col.name, encoder(col.type), bounds)

    def bits(self, col: Column) -> Gen:
        """Random bit strings: n bits for bit(n), up to n for varbit(n) (16 when unbounded)."""
        size = col.type.typmod if col.type.typmod > 0 else (1 if col.type.base == "bit" else 16)
        key = key_int(self.p.key(self.q, col.name, stream="bits"))

        def make(row: int) -> str:
            n = size if col.type.base == "bit" else 1 + mix(key, row) % size
            chunks = [format(mix(key, row * 64 + i), "064b") for i in range(0, n, 64)]
            return "".join(chunks)[:n]

        return RowGen(col.name, encoder(col.type), make)

    def macaddrs(self, col: Column) -> Gen:
        """Locally administered unicast MAC addresses (02:...), never a real vendor's."""
        key = key_int(self.p.key(self.q, col.name, stream="macaddr"))
        return RowGen(
            col.name, encoder(col.type), lambda r: b"\x02" + (mix(key, r) >> 24).to_bytes(5, "big")
        )

    def object_spec(self) -> Any:
        """Find the column that holds object keys: an `object = true` override, else by name."""
        from devenv.seeding.planning import ObjectSpec

        ct = next((c.name for c in self.table.columns if _CONTENT_TYPE.match(snake(c.name))), None)
        for name, cdef in self.defs.items():
            if cdef.kind == "object":
                types, bucket = cdef.spec.get("content_type", ct), cdef.spec.get("bucket", "")
                if types is not None and not (
                    isinstance(types, str) and self.table.has_column(types)
                ):
                    raise cdef.error(f"content_type names {types!r}, not a column of {self.q}")
                if not isinstance(bucket, str) or (bucket and not valid_bucket(bucket)):
                    raise cdef.error(
                        f"bucket {bucket!r} is not a valid bucket name "
                        "(3-58 lowercase letters, digits, '.' and '-')"
                    )
                return ObjectSpec(name, types, bucket)
        if ct is None:
            return None
        for col in self.table.columns:
            if (
                _OBJECT_KEY.search(snake(col.name))
                and family(col.type) == "text"
                and col.name not in self.defs
            ):
                return ObjectSpec(col.name, ct, "")
        return None


def _row_printf(text: str) -> str | None:
    """Return `INV-%08d` for `INV-{row:08d}` (C-speed formatting), or None if not that simple.

    Only templates whose fields are all `{row}` with an integer width (or none) qualify; both
    forms give the same text for positive numbers.
    """
    out = []
    for literal, field, spec, conversion in string.Formatter().parse(text):
        out.append(literal.replace("%", "%%"))
        if field is None:
            continue
        if field != "row" or conversion or not _ROW_SPEC.match(spec or ""):
            return None
        out.append("%" + (spec or "").removesuffix("d") + "d")
    return "".join(out)


def _printf_block(printf: str, start: int, n: int) -> list[str]:
    """The template of rows [start, start + n), numbered from 1."""
    return list(map(printf.__mod__, range(start + 1, start + n + 1)))


def _printf_fields(printf: bytes, start: int, n: int) -> list[bytes]:
    """The template of rows [start, start + n) as binary COPY text fields, length included.

    Between powers of ten every number has as many digits, so every field has the same length:
    one bytes format per run gives the length prefix and the text together.
    """
    out: list[bytes] = []
    number, end = start + 1, start + n + 1
    while number < end:
        stop = min(end, 10 ** len(str(number)))
        prefix = struct.pack("!i", len(printf % number)).replace(b"%", b"%%")
        out.extend(map((prefix + printf).__mod__, range(number, stop)))
        number = stop
    return out


def _template(
    text: str, types: dict[str, PgType], transform: str | None, limit: int | None
) -> Callable[..., str]:
    """Return (row, *input values) -> the rendered template."""
    inputs = tuple(types)
    plain = {
        n for n, t in types.items() if t.base in ("text", "varchar", "bpchar", "citext", "enum")
    }

    def make(row: int, *values: Any) -> str:
        named = {
            n: v if n in plain and v is not None else display(v, types[n])
            for n, v in zip(inputs, values, strict=True)
        }
        out = text.format(row=row + 1, **named)
        if transform == "lower":
            out = out.lower()
        elif transform == "upper":
            out = out.upper()
        elif transform == "slug":
            out = _SLUG.sub("-", out.lower()).strip("-")
        return str(out[:limit] if limit is not None else out)

    return make
