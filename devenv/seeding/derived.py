"""Generators derived from the row number or from other columns: unique values, emails, objects."""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from itertools import cycle, islice
from typing import TYPE_CHECKING, Any
from uuid import UUID

from devenv.errors import SeedError
from devenv.seeding import keys, providers
from devenv.seeding.checks import ColumnRules, Relation
from devenv.seeding.definitions import ColumnDef
from devenv.seeding.gens import (
    Block,
    ConstGen,
    DerivedGen,
    Gen,
    ParentMap,
    PoolGen,
    RowGen,
    SeqGen,
    UuidGen,
)
from devenv.seeding.model import Column, ForeignKey, PgType, Table
from devenv.seeding.objects import extension, render
from devenv.seeding.patterns import PatternTooHard, alphabets, widths
from devenv.seeding.rng import key_int, mix
from devenv.seeding.rules import family, infer, snake
from devenv.seeding.shaping import bounds, max_length
from devenv.seeding.uniques import (
    LETTERS,
    SHORT_TEXT,
    codes,
    few_values,
    letter_codes,
    scatter,
    text_capacity,
)
from devenv.seeding.values import DAY_US, encoder, parse_duration, pg_interval

if TYPE_CHECKING:
    from devenv.seeding.planning import ObjectSpec, Planner

DOMAINS = ("example.com", "example.net", "example.org")
SIZE = re.compile(r"^(size|size_bytes|byte_size|file_size|filesize|bytes|content_length)$", re.I)
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
# How long after its pair (IMPLIED, or a CHECK) a column comes, by name; else by type.
_OFFSETS = {
    "updated_at": ("0s", "90d"),
    "ends_at": ("15m", "3h"),
    "end_at": ("15m", "3h"),
    "ended_at": ("1m", "8h"),
    "finished_at": ("1m", "8h"),
    "completed_at": ("1m", "8h"),
    "due_on": ("0d", "60d"),
    "left_on": ("30d", "720d"),
    "left_at": ("30d", "720d"),
    "terminated_on": ("90d", "1500d"),
}
_CLEAN: dict[str, str] = {}


def sample_rows(rows: int) -> list[int]:
    """Rows to try a generator on: the first ones, the last one and about 200 between."""
    picked = {0, 9, 99, rows - 1} | set(range(0, rows, max(1, rows // 200)))
    return sorted(r for r in picked if 0 <= r < max(rows, 1))


def _padded(width: int, row: int) -> str:
    """The row number (from 1), zero-padded to `width` digits."""
    return f"{row + 1:0{width}d}"


def _steps(literal: str, kind: str, *, least: bool) -> int:
    """A difference from a CHECK (`7`, `'1 day'`, `'00:30:00'`, `2.50`) in offset steps.

    Steps are days (date), seconds (timestamp, time), units (int) or hundredths (decimal,
    float). `least`: round up, and count months and years long; else round down, short.
    """
    if kind == "date" and re.fullmatch(r"-?\d+", literal.strip()):
        return int(literal)
    if kind in ("date", "timestamp", "time"):
        micros = pg_interval(literal, longest=least)
        per = DAY_US if kind == "date" else 1_000_000
    else:
        micros, per = int(Decimal(literal) * (1 if kind == "int" else 100)), 1
    return -(-micros // per) if least else micros // per


def _clean(text: Any) -> str:
    """Lower-case ASCII letters and digits only (for email local parts and slugs)."""
    key = str(text)
    if key not in _CLEAN:
        _CLEAN[key] = _NOT_ALNUM.sub("", key.lower())
    return _CLEAN[key]


class DerivedColumns:
    """Row-derived and cross-column generators, shared by TableBuilder."""

    p: Planner
    q: str
    table: Table
    gens: dict[str, Gen]
    maps: dict[str, ParentMap]
    carriers: dict[str, str]
    rules: dict[str, ColumnRules]
    objects: ObjectSpec | None
    defs: dict[str, ColumnDef]
    probes: dict[str, list[tuple[str, str]]]
    # Columns whose values the database has already checked against `probes`.
    checked: set[str]

    def error(self, column: str, problem: str, hint: str = "") -> SeedError:
        """Build an error about `column` (TableBuilder names the definition file)."""
        raise NotImplementedError

    def depend(self, name: str) -> Gen:
        """Return the generator of another column of the row (TableBuilder builds it)."""
        raise NotImplementedError

    def null_fraction(self, name: str, cdef: ColumnDef | None) -> float:
        """Return the share of NULLs of a column (TableBuilder)."""
        raise NotImplementedError

    def pool_for(self, col: Column, name: str) -> Gen:
        """Return the usual generator of `col` under a helper name (SpecialColumns)."""
        raise NotImplementedError

    def from_provider(self, col: Column, name: str, args: dict[str, Any], cdef: Any) -> Gen:
        """Return a generator drawing from a provider's values (SpecialColumns)."""
        raise NotImplementedError

    def carrier(self, col: Column) -> Gen:
        """A column in a unique key: derive a distinct value from the row number."""
        kind, enc = family(col.type), encoder(col.type)
        key = key_int(self.p.key(self.q, col.name, stream="unique"))
        rules = self.rules.get(col.name, ColumnRules())
        low, _ = bounds(rules, col.type)
        values = few_values(col, rules.choices)
        if values is not None:
            # Few possible values: hand them out in order (the planner caps the row count).
            return RowGen(col.name, enc, lambda r: values[r % len(values)])
        if kind == "text":
            return self.unique_text(col)
        if kind == "uuid":
            return self.uuids(col, "unique")
        if kind == "int":
            first: int = 1 if low is None or low <= 1 else int(low)
            return SeqGen(col.name, enc, first, 1)
        if kind == "decimal":
            scale = (col.type.numeric_precision or (0, 2))[1]
            step = Decimal(1).scaleb(-scale)
            base: Decimal = low if low is not None else Decimal(1)
            return RowGen(col.name, enc, lambda r: base + r * step)
        if kind in ("date", "timestamp"):
            unit = 1 if kind == "date" else 1_000_000
            start = (
                low
                if low is not None
                else (self.p.anchor - 20 * 365 * DAY_US) // (DAY_US if kind == "date" else 1)
            )
            return SeqGen(col.name, enc, int(start), unit)
        if kind == "inet":
            net = int(ipaddress.IPv6Address("2001:db8::"))
            return RowGen(col.name, enc, lambda r: str(ipaddress.IPv6Address(net + r + 1)))
        if kind == "macaddr":  # locally administered, unicast: 02:xx:xx:xx:xx:xx
            return RowGen(col.name, enc, lambda r: b"\x02" + r.to_bytes(5, "big"))
        if kind == "bytea":
            return RowGen(
                col.name, enc, lambda r: r.to_bytes(8, "big") + mix(key, r).to_bytes(8, "big")
            )
        if kind == "json":
            return RowGen(col.name, enc, lambda r: {"n": r + 1})
        if kind == "float":
            return RowGen(col.name, enc, lambda r: float(low or 0) + r / 1000)
        raise self.error(
            col.name, f"is in a unique key, but devenv cannot make {col.type.name} values distinct"
        )

    def uuids(self, col: Column, stream: str) -> Gen:
        """Distinct UUIDs, or their text form in a text column."""
        uuids = keys.UuidStream(self.p.key(self.q, col.name, stream=stream))
        if family(col.type) != "text":
            return UuidGen(col.name, encoder(col.type), uuids)
        return RowGen(col.name, encoder(col.type), lambda row: str(UUID(bytes=uuids.at(row))))

    def unique_text(self, col: Column) -> Gen:
        """Text made unique by a row-number suffix (the base comes from the usual generator).

        A column too short for that (under SHORT_TEXT characters) gets a code of capital letters
        instead, a different one for each row. A column under a pattern CHECK, or a CHECK only
        the database can evaluate, gets the first of several forms whose values pass it.
        """
        rule = infer(self.table.name, col.name, col.type)
        cdef = self.defs.get(col.name)
        if (cdef is None or cdef.kind == "auto") and rule and rule.provider in ("email", "phone"):
            return self.marked(col, rule.provider, unique=True)
        rules = self.rules.get(col.name, ColumnRules())
        limit = max_length(rules, col.type)
        checks = self.probes.get(col.name) if self.p.probe is not None else None
        auto = cdef is None or cdef.kind == "auto"
        uuid_fits = (limit is None or limit >= 36) and not rules.patterns and not checks
        if auto and rule is not None and rule.provider == "uuid" and uuid_fits:
            return self.uuids(col, "unique")
        shortest = 0
        for pattern in rules.patterns:
            low, high = widths(pattern)
            shortest = max(shortest, low)
            limit = high if limit is None or (high is not None and high < limit) else limit
        rows = self.p.count(self.q)
        if rows > text_capacity(limit):
            raise self.error(
                col.name,
                f"is unique but at most {limit} characters long: it has room for "
                f"{text_capacity(limit):,} distinct values, and the table gets {rows:,} rows",
                hint=f"Give {self.table.name} fewer rows in seeds/, or allow longer text.",
            )
        key = self.p.key(self.q, col.name, stream="unique")
        forms: list[Callable[[], Gen]] = []
        if limit is None or limit >= SHORT_TEXT:
            forms += [partial(self._suffixed, col, limit, sep) for sep in ("-", "_", ".")]
        if rules.patterns:
            forms.append(partial(self._pattern_codes, col, rules.patterns[0], key))
        if rules.patterns or checks or (limit is not None and limit < SHORT_TEXT):
            # Codes as wide as the largest scale needs, so row N is the same at every scale.
            most = self.p.count(self.q, scale="large")
            width = limit if limit is not None and limit < SHORT_TEXT else max(shortest, 1)
            while (limit is None or width < limit) and len(LETTERS) ** width < most:
                width += 1
            codes = letter_codes(width, key)
            enc = encoder(col.type)
            forms.append(partial(RowGen, col.name, enc, codes))
            forms.append(partial(RowGen, col.name, enc, lambda r: codes(r).lower()))
            forms.append(partial(RowGen, col.name, enc, partial(_padded, max(shortest, 1))))
        if not rules.patterns and not checks:
            return forms[0]()
        failure: SeedError | None = None
        for form in forms:
            try:
                gen = form()
            except SeedError as exc:  # no usual value fits the pattern: a code may still do
                failure = failure or exc
                continue
            if self._all_match(col, gen, rules.patterns, limit, rows):
                self.checked.add(col.name)
                return gen
        wanted = repr(rules.patterns[0]) if rules.patterns else "its CHECK"
        raise self.error(
            col.name,
            f"is unique and must match {wanted}; devenv found no form of distinct "
            "values that does" + (f" ({failure.message})" if failure else ""),
            hint=f"Give {self.table.name}.{col.name} a template with {{row}} that matches it.",
        ) from failure

    def labelled(self, col: Column, fk: ForeignKey) -> Gen:
        """`kind` in `UNIQUE (customer_id, kind)`: the value paired with the row's parent."""
        values = self.p.uniques[self.q].labelled[fk.name][1]
        index = self.p.labelled_maps(self.q, fk)[1]
        return RowGen(col.name, encoder(col.type), lambda r: values[index.index(r) or 0])

    def _pattern_codes(self, col: Column, pattern: str, key: bytes) -> Gen:
        """Distinct strings built character by character from the pattern (`^[A-Z]{3}-[0-9]{4}$`).

        Raises SeedError when the pattern is beyond that, or has room for too few strings.
        """
        try:
            positions = alphabets(pattern)
        except PatternTooHard as exc:
            raise self.error(col.name, f"pattern {pattern!r} is too hard to enumerate") from exc
        room = math.prod(map(len, positions))
        if room < self.p.count(self.q):
            raise self.error(col.name, f"pattern {pattern!r} has room for {room:,} values")
        return RowGen(col.name, encoder(col.type), codes(positions, key))

    def _suffixed(self, col: Column, limit: int | None, sep: str) -> Gen:
        """The usual value of the column, cut to fit, then `sep` and the row number."""
        base_name = f"{col.name}\x00base"
        if base_name not in self.gens:
            self.gens[base_name] = self.pool_for(col, base_name)

        def suffixed(row: int, value: Any) -> str:
            text = str(value)
            tail = (" " if sep == "-" and " " in text else sep) + str(row + 1)
            if limit is not None:
                text = text[: limit - len(tail)].rstrip()
            return text + tail

        return DerivedGen(col.name, encoder(col.type), (base_name,), suffixed, gens=self.gens)

    def _all_match(
        self, col: Column, gen: Gen, patterns: list[str], limit: int | None, rows: int
    ) -> bool:
        """Whether a sample of rows (`sample_rows`) all fit.

        That is the length, the patterns, and the CHECKs only the database can evaluate.
        """
        values = [gen.at(row) for row in sample_rows(rows)]
        for value in values:
            if value is None:  # NULL passes a CHECK
                continue
            if limit is not None and len(value) > limit:
                return False
            if not all(re.search(p, value) for p in patterns):
                return False
        checks = self.probes.get(col.name)
        return not checks or all(self.passes(col, values, checks))

    def passes(self, col: Column, values: list[Any], checks: list[tuple[str, str]]) -> list[bool]:
        """Which values of `col` pass the CHECKs devenv cannot read (the database says)."""
        if self.p.probe is None:
            return [True] * len(values)
        return self.p.probe(self.q, [col], [(v,) for v in values], checks)

    def email(self, col: Column, form: str = "dotted", domains: tuple[str, ...] = DOMAINS) -> Gen:
        """firstname.lastname<row>@example.com|net|org (RFC 2606 domains), always unique.

        Other forms, for a pattern CHECK the usual one breaks: `joined` (firstnamelastname<row>),
        `plain` (firstnamelastname, not unique) and `coded` (lower-case letters from the row);
        and `domains`, one of the three alone.
        """
        if form == "coded":
            codes = letter_codes(5, self.p.key(self.q, col.name, stream="email"))
            return RowGen(col.name, encoder(col.type),
                          lambda r: f"{codes(r).lower()}@{domains[r % len(domains)]}")  # fmt: skip
        names = self._name_columns()
        limit = max_length(self.rules.get(col.name, ColumnRules()), col.type)
        rows = self.p.count(self.q)
        shortest = len(f"x{rows}@{DOMAINS[0]}")
        if limit is not None and rows and limit < shortest:
            raise self.error(
                col.name,
                f"holds email addresses of at most {limit} characters, too short for "
                f"{rows:,} distinct addresses on the reserved example domains "
                f"(they take up to {shortest})",
                hint=(
                    f"Widen {self.table.name}.{col.name}, or give it an override in seeds/ "
                    '(for instance { template = "u{row}@ex.test" }).'
                ),
            )

        joiner = "." if form == "dotted" else ""

        def make(row: int, *parts: Any) -> str:
            local = joiner.join([_clean(p) for p in parts if p is not None]) or "user"
            tail = f"{'' if form == 'plain' else row + 1}@{domains[row % len(domains)]}"
            if limit is not None:
                local = local[: max(1, limit - len(tail))]
            return local + tail

        usual = limit is None and form == "dotted" and domains == DOMAINS

        def make2(row: int, first: Any, last: Any) -> str:
            if first is None or last is None or not usual:
                return make(row, first, last)
            return f"{_clean(first)}.{_clean(last)}{row + 1}@{DOMAINS[row % 3]}"

        def block(blk: Block) -> list[Any] | None:
            """make2 for a whole block: names cleaned once per pool value, not once per row."""
            first, last = (self.gens[n] for n in names)
            if not usual or not isinstance(first, PoolGen) or not isinstance(last, PoolGen):
                return None
            firsts, lasts = first.mapped(blk, _clean), last.mapped(blk, _clean)
            if None in firsts or None in lasts:
                return None
            rows = range(blk.start + 1, blk.start + blk.n + 1)
            offset = blk.start % 3  # row i (from 0) gets DOMAINS[i % 3]
            cycled = islice(cycle(DOMAINS), offset, offset + blk.n)
            return list(map("%s.%s%d@%s".__mod__, zip(firsts, lasts, rows, cycled, strict=True)))

        if not names:
            base_name = f"{col.name}\x00user"
            self.gens[base_name] = self.pool_for(col, base_name)
            names = (base_name,)
        if len(names) == 2:
            return DerivedGen(
                col.name, encoder(col.type), names, make2, gens=self.gens, block=block
            )
        return DerivedGen(col.name, encoder(col.type), names, make, gens=self.gens)

    def marked(self, col: Column, kind: str, *, unique: bool = False) -> Gen:
        """An email on the reserved domains or a phone number in the fictional range.

        It takes the first form whose values pass the column's pattern CHECKs and those the
        database evaluates; never random strings, so the data stays recognisably synthetic.
        """
        rules = self.rules.get(col.name, ColumnRules())
        checks = self.probes.get(col.name) if self.p.probe is not None else None
        limit, rows = max_length(rules, col.type), self.p.count(self.q)
        if kind == "email":
            forms = ("dotted", "joined", "coded" if unique else "plain")
            makers = [
                partial(self.email, col, form, domains)
                for domains in (DOMAINS, *((d,) for d in DOMAINS))
                for form in forms
            ]
        else:  # the ways to write a number that fit the column whole
            fitting = [
                form
                for form in providers.PHONES
                if limit is None or len(form.format(area=201, line="00")) <= limit
            ]
            if unique:
                makers = [partial(self._unique_phone, col, form) for form in fitting]
            else:
                makers = [
                    partial(self.from_provider, col, "phone",
                            {} if form == providers.PHONES[0] else {"format": form}, None)
                    for form in fitting
                ]  # fmt: skip
            if not fitting and not unique:  # too short for any: cut to fit, as other text is
                makers = [partial(self.from_provider, col, "phone", {}, None)]
        if makers and not rules.patterns and not checks:
            return makers[0]()
        for make in makers:
            try:
                gen = make()
            except SeedError:  # none of this form's values passes
                continue
            if self._all_match(col, gen, rules.patterns, limit, rows):
                self.checked.add(col.name)
                return gen
        what = "email address on the reserved example domains" if kind == "email" else (
            "phone number in the fictional 555-01xx range")  # fmt: skip
        raise self.error(
            col.name,
            f"no {what} that devenv makes fits the column's length and CHECK constraints",
            hint=f"Give {self.table.name}.{col.name} a template in seeds/ that does.",
        )

    def _unique_phone(self, col: Column, form: str) -> Gen:
        """A different fictional number for each row: each area code's lines 555-0100-0199."""
        areas = providers.AREA_CODES
        room = len(areas) * 100
        if self.p.count(self.q) > room:
            raise self.error(
                col.name,
                f"is a unique phone number, and the fictional 555-01xx range holds {room:,}",
                hint=f"Give {self.table.name} fewer rows in seeds/, or {col.name} a template.",
            )
        spread = scatter(room, self.p.key(self.q, col.name, stream="phone"))

        def number(row: int) -> str:
            area, line = divmod(spread(row), 100)
            return form.format(area=areas[area], line=f"{line:02d}")

        return RowGen(col.name, encoder(col.type), number)

    def _name_columns(self) -> tuple[str, ...]:
        """Find first/last (or full) name columns of the same row for email local parts."""
        text = [
            c.name
            for c in self.table.columns
            if family(c.type) == "text" and c.name not in self.p.skipped[self.q]
        ]
        found: list[str] = []
        for provider in ("first_name", "last_name", "full_name"):
            for name in text:
                rule = infer(self.table.name, name, self.table.column(name).type)
                if (
                    rule is not None
                    and rule.provider == provider
                    and name not in self.defs
                    and not self.p.fk_of(self.q, name)
                ):
                    found.append(name)
                    break
        return tuple(found[:2])

    def offset_range(
        self, col: Column, relation: Relation, cdef: ColumnDef | None
    ) -> tuple[int, int, Any]:
        """Return (low, high, unit) of the step added to the base column.

        The relation's CHECKs bound the step: `col > base + gap` raises its low end, `col <=
        base + bound` lowers its high end (and the default low end with it, if need be).
        """
        kind = family(col.type)
        spec = cdef.spec if cdef is not None else {}
        if kind in ("timestamp", "date", "time"):
            step = DAY_US if kind == "date" else 1_000_000
            unit: Any = 1 if kind == "date" else step
            default_low, default_high = _OFFSETS.get(
                snake(col.name),
                {"date": ("0d", "30d"), "time": ("15m", "8h")}.get(kind, ("1h", "30d")),
            )
            try:
                low = parse_duration(str(spec.get("min", default_low))) // step
                high = parse_duration(str(spec.get("max", default_high))) // step
            except ValueError as exc:
                raise self.error(col.name, str(exc)) from exc
        elif kind in ("int", "decimal", "float"):
            unit = 1 if kind == "int" else Decimal("0.01") if kind == "decimal" else 0.01
            low, high = (
                int(spec.get("min", 0)),
                int(spec.get("max", 100 if kind == "int" else 10000)),
            )
        else:
            raise self.error(
                col.name, f"cannot be ordered after another column (type {col.type.name})"
            )
        try:
            least = max(
                [int(relation.strict)] + [_steps(g, kind, least=True) + relation.strict
                                          for g in relation.gaps]
            )  # fmt: skip
            most = [_steps(b, kind, least=False) - strict for b, strict in relation.bounds]
        except (ValueError, ArithmeticError) as exc:
            raise self.error(
                col.name, f"cannot read the difference its CHECK asks for: {exc}"
            ) from exc
        low = max(low, least)
        if high < low and "max" not in spec:
            high = low + high
        if most:
            high = min(high, *most)
            if high < low and "min" not in spec:
                low = least
        if high < low:
            raise self.error(col.name, f"offset range is empty (min {low}, max {high})")
        return low, high, unit

    def object_columns(self) -> set[str]:
        """Return the key, content type and size columns of an object table."""
        if self.objects is None:
            return set()
        cols = {self.objects.key_column} | {
            c.name for c in self.table.columns if SIZE.match(snake(c.name))
        }
        return cols | (
            {self.objects.content_type_column} if self.objects.content_type_column else set()
        )

    def is_size_column(self, col: Column) -> bool:
        """Return True for the integer column that holds an object's size in bytes."""
        return bool(SIZE.match(snake(col.name))) and family(col.type) == "int"

    def object_key(self, col: Column) -> Gen:
        """`<table>/<uuid>.<ext>`: unique, and the extension matches the content type."""
        assert self.objects is not None
        uuid_at = keys.UuidStream(self.p.key(self.q, col.name, stream="object")).at
        ct = self.objects.content_type_column
        prefix = self.table.name

        def make(row: int, content_type: Any = "application/octet-stream") -> str:
            token = uuid_at(row).hex()
            dashed = f"{token[:8]}-{token[8:12]}-{token[12:16]}-{token[16:20]}-{token[20:]}"
            return f"{prefix}/{dashed}.{extension(str(content_type))}"

        if ct is not None:
            self.depend(ct)
        return DerivedGen(col.name, encoder(col.type), (ct,) if ct else (), make, gens=self.gens)

    def object_size(self, col: Column) -> Gen:
        """The byte size of the generated file, so rows and objects agree."""
        assert self.objects is not None
        key, ct = self.objects.key_column, self.objects.content_type_column
        self.depend(key)
        inputs = (key, ct) if ct else (key,)
        return DerivedGen(
            col.name,
            encoder(col.type),
            inputs,
            lambda row, k, c="text/plain": len(render(str(c), str(k))),
            gens=self.gens,
        )

    def unsupported(self, col: Column) -> Gen | None:
        """No generator for this type: use the default, NULL, or fail with a hint."""
        if col.default is not None:
            return None
        if not col.notnull:
            return ConstGen(
                col.name,
                encoder(col.type)
                if col.type.base != "unsupported"
                else encoder(PgType(25, "text", "text")),
                None,
            )
        raise self.error(
            col.name,
            f"devenv cannot generate type {col.type.name} and the column is NOT NULL without a "
            "default",
            hint=f"Let the database make the values with an SQL expression in seeds/, e.g. "
            f'[tables.{self.table.name}.columns] {col.name} = {{ sql = "..." }}; or give the '
            "column a DEFAULT, or allow NULL, in a migration.",
        )
