"""Turn schema, definitions and scale into a plan: row counts, load order, column generators."""

from __future__ import annotations

import functools
import logging
import random
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from devenv.errors import SeedError
from devenv.seeding import checks, keys, scales
from devenv.seeding.definitions import (
    ColumnDef,
    Definitions,
    TableDef,
    definition_error,
    supabase_defaults,
)
from devenv.seeding.gens import Gen, ParentMap
from devenv.seeding.model import Column, ForeignKey, Schema
from devenv.seeding.rng import Draws, key_int, stream_key
from devenv.seeding.rules import family
from devenv.seeding.scope import Scope
from devenv.seeding.uniques import UniquePlan, analyse, text_capacity
from devenv.seeding.values import to_timestamp

log = logging.getLogger(__name__)
DEFAULT_ANCHOR = date(2025, 1, 1)


@dataclass(frozen=True)
class ObjectSpec:
    """A column holding object-storage keys, and where its content type comes from."""

    key_column: str
    content_type_column: str | None
    bucket: str


@dataclass
class TablePlan:
    """Everything needed to stream one table."""

    name: str
    rows: int
    columns: tuple[str, ...]
    gens: dict[str, Gen]
    deferred: dict[str, ForeignKey] = field(default_factory=dict)
    match_columns: tuple[str, ...] = ()
    objects: ObjectSpec | None = None
    partitioned: bool = False
    triggers: bool = False
    # `sql` overrides: the column's DEFAULT during this table's load, so the database fills it.
    sql: tuple[ColumnDef, ...] = ()


@dataclass
class Plan:
    """The whole seed: tables in load order, plus notes for the report."""

    seed: int
    scale: str
    tables: list[TablePlan]
    kept: tuple[str, ...]
    notes: list[str] = field(default_factory=list)
    unchecked: bool = False
    # Tables that only triggers fill: their rows stay, the seed adds none.
    triggered: frozenset[str] = frozenset()


# (table, columns, rows of raw values, [(check name, definition)]) -> which rows pass them all.
Probe = Callable[[str, list[Column], list[tuple[Any, ...]], list[tuple[str, str]]], list[bool]]


def _row_text(tdef: TableDef | None, column: str) -> bool:
    """True when a unique text column is made from the row number (no template of its own)."""
    cdef = tdef.columns.get(column) if tdef else None
    return cdef is None or cdef.kind in ("auto", "provider")


class Planner:
    """Holds what every table's generators share: seed, counts, parent maps and key lookups."""

    def __init__(
        self,
        schema: Schema,
        defs: Definitions,
        scope: Scope,
        *,
        seed: int,
        scale: str,
        kept_rows: dict[str, list[dict[str, Any]]],
    ) -> None:
        self.schema = schema
        self.scope = scope
        self.seed = seed
        self.scale = scale
        self.kept_rows = kept_rows
        day = defs.anchor or DEFAULT_ANCHOR
        self.anchor = to_timestamp(datetime(day.year, day.month, day.day))
        self.tdefs = self._resolve_defs(defs)
        self.skipped: dict[str, set[str]] = {q: self._db_side(q) for q in scope.order}
        self.uniques = {
            q: analyse(schema.tables[q], self.tdefs.get(q), self.skipped[q]) for q in scope.order
        }
        self.gens: dict[str, dict[str, Gen]] = {}
        self.notes: list[str] = []
        self.pool_cache: dict[Any, Any] = {}
        self._in_progress: set[tuple[str, str]] = set()
        # Parent maps made once for keys that go together (sharing columns, or held in order).
        self._key_maps: dict[tuple[str, str], dict[str, ParentMap]] = {}
        # Asks the database which values pass CHECKs devenv cannot read (none: no database).
        self.probe: Probe | None = None
        # Asks the database for the value of a constant expression, such as a column DEFAULT.
        self.evaluate: Callable[[str], Any] | None = None

    def _resolve_defs(self, defs: Definitions) -> dict[str, TableDef]:
        """Key table definitions by `schema.name`; unknown or unseeded tables are errors."""
        out: dict[str, TableDef] = {}
        for name, tdef in defs.tables.items():
            table = self.schema.find(name)
            if table is None:
                raise definition_error(
                    tdef.source, name, None, "no such table in the migrated database"
                )
            if table.qualified not in self.scope.order:
                raise definition_error(
                    tdef.source,
                    name,
                    None,
                    "this table is not seeded (excluded, or outside [settings] schemas)",
                )
            for column in tdef.columns:
                if not table.has_column(column):
                    raise definition_error(
                        tdef.source, name, column, f"no such column in {table.qualified}"
                    )
            out[table.qualified] = tdef
        for name, shipped in supabase_defaults().items():
            table = self.schema.find(name)
            if table is None or table.qualified not in self.scope.order:
                continue
            own = out.get(table.qualified)
            columns = {c: d for c, d in shipped.columns.items() if table.has_column(c)}
            columns |= own.columns if own else {}
            out[table.qualified] = replace(own or shipped, columns=columns)
        return out

    def _db_side(self, q: str) -> set[str]:
        """Columns the database fills: identity, generated, serial, `default = true` and `sql`."""
        table, tdef = self.schema.tables[q], self.tdefs.get(q)
        skipped = {c.name for c in table.columns if c.db_assigned}
        if tdef:
            skipped |= {n for n, cdef in tdef.columns.items() if cdef.kind in ("default", "sql")}
        return skipped

    def key(self, q: str, column: str, *, stream: str = "") -> bytes:
        """Return the random stream key of (table, column, stream) under this seed."""
        return stream_key(self.seed, q, column, stream=stream)

    def rnd(self, *parts: str) -> random.Random:
        """Return a deterministic Random for building pools."""
        # Synthetic data, not secrets: a seeded, reproducible generator is the point.
        return random.Random(key_int(stream_key(self.seed, "pool", "\x00".join(parts))))  # noqa: S311

    def fk_of(self, q: str, column: str) -> ForeignKey | None:
        """Return the foreign key `column` belongs to, if any."""
        for fk in self.schema.tables[q].foreign_keys:
            if column in fk.columns and (
                fk.ref_table in self.scope.order or fk.ref_table in self.kept_rows
            ):
                return fk
        return None

    @functools.cache  # noqa: B019 - one planner per seed run
    def count(self, q: str, *, scale: str | None = None) -> int:
        """Return the row count of table `q` at `scale` (the run's scale by default)."""
        scale = scale or self.scale
        return min(self._base_rows(q, scale), self.capacity(q, scale))

    def _base_rows(self, q: str, scale: str) -> int:
        """Return the row count asked for, before unique-key capacity limits."""
        tdef = self.tdefs.get(q)
        if tdef and tdef.per_parent:
            return int(self.group_cum(q, scale)[-1])
        if tdef is None or tdef.rows is None:
            return 0 if q in self.scope.emptied else scales.rows_at(None, scale)
        return scales.rows_at(tdef.rows, scale)

    def capacity(self, q: str, scale: str) -> int:
        """Return the most rows the table's unique keys allow."""
        plan: UniquePlan = self.uniques[q]
        limit = 2**62
        fks = {fk.name: fk for fk in self.schema.tables[q].foreign_keys}
        for name in plan.one_to_one:
            fk = fks[name]
            small = (self._base_rows(q, "small"), self.parent_count(fk, "small"))
            limit = min(limit, keys.one_to_one_capacity(*small, self.parent_count(fk, scale)))
        for name, (_, values) in plan.labelled.items():
            limit = min(limit, self.parent_count(fks[name], scale) * len(values))
        for first, second in plan.pairs:
            same = fks[first].ref_table == fks[second].ref_table  # a parent never pairs with itself
            others = max(self.parent_count(fks[second], scale) - same, 0)
            if first in self.ordered(q):  # in order too: each pair once, not twice
                others //= 2
            limit = min(limit, self.parent_count(fks[first], scale) * others)
        table = self.schema.tables[q]
        tdef = self.tdefs.get(q)
        for name in plan.carriers:
            kind = table.column(name).type
            if kind.base == "bool" or kind.base == "enum":
                limit = min(limit, 2 if kind.base == "bool" else len(kind.labels))
            elif family(kind) == "text" and _row_text(tdef, name):
                limit = min(limit, text_capacity(kind.max_length))
        return limit

    def capped(self, q: str) -> str | None:
        """A note when the table's unique keys hold it below the rows asked for."""
        asked, rows = self._base_rows(q, self.scale), self.count(q)
        if rows >= asked:
            return None
        return f"{q}: {rows:,} rows instead of {asked:,}, as many as its unique keys allow"

    def parent_count(self, fk: ForeignKey, scale: str) -> int:
        """Return the number of rows a foreign key can point at."""
        if fk.ref_table in self.kept_rows:
            return len(self.kept_rows[fk.ref_table])
        return self.count(fk.ref_table, scale=scale)

    @functools.cache  # noqa: B019
    def group_cum(self, q: str, scale: str) -> array[int]:
        """Return cumulative children-per-parent counts for a `per_parent` table."""
        tdef = self.tdefs[q]
        spec = tdef.per_parent or {}
        fk = self.fk_of(q, spec["column"])
        if fk is None or fk.ref_table == q:
            raise definition_error(
                tdef.source,
                tdef.name,
                spec["column"],
                "per_parent column must be a foreign key to another table",
            )
        low = int(spec.get("min", 1))
        high = int(spec.get("max", low))
        draws = Draws(self.key(q, spec["column"], stream="per_parent"))
        return keys.group_counts(draws, self.parent_count(fk, scale), low, high)

    def parent_map(self, q: str, fk: ForeignKey, null_fraction: float) -> ParentMap:
        """Return how rows of `q` pick their parent row for `fk`."""
        key = key_int(self.key(q, fk.name, stream="fk"))
        draws = Draws(self.key(q, fk.name, stream="fk"), wide=True)
        threshold = round(null_fraction * 65536)
        nulls = (
            Draws(self.key(q, fk.name, stream="null"))
            if threshold > 0 or (fk.ref_table == q and not self._notnull(q, fk))
            else None
        )
        plan, tdef = self.uniques[q], self.tdefs.get(q)
        if tdef and tdef.per_parent and tdef.per_parent["column"] in fk.columns:
            return keys.group_map(self.group_cum(q, self.scale))
        if fk.ref_table == q:
            return keys.self_map(draws, nulls, threshold)
        parents = self.parent_count(fk, self.scale)
        if parents == 0 and self._notnull(q, fk) and self.count(q) > 0:
            raise SeedError(
                f"table {q} needs rows in {fk.ref_table} (foreign key {fk.name}), which gets none",
                hint=f"Give {fk.ref_table} rows in seeds/ (rows = N), or make {q} empty.",
            )
        if fk.name in self.ordered(q):
            return self._ordered_maps(q, self.ordered(q)[fk.name])[fk.name]
        if fk.name in plan.labelled:
            return self.labelled_maps(q, fk)[0]
        if fk.name in plan.firsts:
            return keys.round_robin_map(parents)
        for first, second in plan.pairs:
            if fk.name in (first, second):
                fks = {f.name: f for f in self.schema.tables[q].foreign_keys}
                pair = keys.pair_maps(
                    key_int(self.key(q, first, stream="pair")),
                    self.parent_count(fks[first], self.scale),
                    self.parent_count(fks[second], self.scale),
                    apart=fks[first].ref_table == fks[second].ref_table,
                )
                return pair[0] if fk.name == first else pair[1]
        own = keys.round_robin_map(parents) if self.spread(q, fk) else None
        if own is None and (sharing := self._sharing(q, fk)):
            own = self._shared_maps(q, sharing)[fk.name]
        if own is not None:
            return keys.with_nulls(own, nulls, threshold)
        if fk.ref_table in self.kept_rows:
            return keys.random_map(draws, nulls, threshold, (0, 0), parents)
        small = (self.count(q, scale="small"), self.parent_count(fk, "small"))
        if fk.name in plan.one_to_one:
            small = (self._base_rows(q, "small"), small[1])
            return keys.one_to_one_map(key, small[0], small[1], parents)
        return keys.random_map(draws, nulls, threshold, small, parents)

    @functools.cache  # noqa: B019
    def labelled_maps(self, q: str, fk: ForeignKey) -> tuple[ParentMap, ParentMap]:
        """Distinct (parent, value) pairs for `UNIQUE (customer_id, kind)`: parent, value index."""
        values = self.uniques[q].labelled[fk.name][1]
        parents = self.parent_count(fk, self.scale)
        return keys.pair_maps(key_int(self.key(q, fk.name, stream="label")), parents, len(values))

    @functools.cache  # noqa: B019
    def ordered(self, q: str) -> dict[str, tuple[str, str]]:
        """Foreign keys held in order by a CHECK: name -> (the smaller, the larger).

        `CHECK (user_a < user_b)` between two one-column keys to the same parent column, as in
        a friendship stored once. Nullable ones are left as they are.
        """
        table, out = self.schema.tables[q], {}
        for r in checks.analyse([(c.name, c.expression) for c in table.checks]).relations:
            a, b = self.fk_of(q, r.small), self.fk_of(q, r.large)
            if r.distinct or a is None or b is None or a.name == b.name or a.ref_table == q:
                continue
            same = (a.ref_table, a.ref_columns) == (b.ref_table, b.ref_columns)
            notnull = self._notnull(q, a) and self._notnull(q, b)
            if same and len(a.columns) == 1 and notnull and not self._alone(q, a, b):
                out[a.name] = out[b.name] = (a.name, b.name)
        return out

    def _alone(self, q: str, *fks: ForeignKey) -> bool:
        """Whether one of the keys maps alone: one-to-one, or children per parent."""
        tdef = self.tdefs.get(q)
        grouped = tdef.per_parent["column"] if tdef and tdef.per_parent else None
        return any(f.name in self.uniques[q].one_to_one or grouped in f.columns for f in fks)

    def _ordered_maps(self, q: str, names: tuple[str, str]) -> dict[str, ParentMap]:
        """Two parents per row, apart, then put in the order the CHECK asks (made once)."""
        made = self._key_maps.get((q, ",".join(names)))
        if made is not None:
            return made
        fks = {f.name: f for f in self.schema.tables[q].foreign_keys}
        small, large = fks[names[0]], fks[names[1]]
        parents = self.parent_count(small, self.scale)
        pair = next((p for p in self.uniques[q].pairs if set(p) == set(names)), None)
        if pair is not None:
            first, second = keys.pair_maps(
                key_int(self.key(q, pair[0], stream="pair")), parents, parents,
                apart=True, unordered=True,
            )  # fmt: skip
        else:
            draws = [Draws(self.key(q, n, stream="fk"), wide=True) for n in names]
            first = keys.random_map(draws[0], None, 0, (0, 0), parents)
            second = keys.apart_map(
                first, keys.random_map(draws[1], None, 0, (0, 0), parents), parents
            )
        value = self.value_at(small.ref_table, small.ref_columns[0])
        low, high = keys.ordered_maps(first, second, value)
        made = {small.name: low, large.name: high}
        self._key_maps[(q, ",".join(names))] = made
        return made

    def spread(self, q: str, fk: ForeignKey) -> bool:
        """Whether `fk` groups rows whose spans must not overlap (EXCLUDE (room_id WITH =, ...)).

        Its rows then take their parents in turn, so that each row's ordinal within its parent
        is known and spaces its span.
        """
        if self._own_way(q, fk):
            return False
        return any(set(equal) == set(fk.columns) for equal, _, _ in self.schema.tables[q].spans)

    def _own_way(self, q: str, fk: ForeignKey) -> bool:
        """Whether `fk` picks parents its own way: children per parent, unique pairs, one-to-one."""
        plan = self.uniques[q]
        return (
            self._alone(q, fk)
            or fk.name in plan.labelled
            or fk.name in plan.firsts
            or any(fk.name in pair for pair in plan.pairs)
        )

    def _sharing(self, q: str, fk: ForeignKey) -> tuple[ForeignKey, ...]:
        """The foreign keys of `q` that share a column with `fk` (it too), when they must agree.

        Keys mapped their own way (children per parent, unique pairs, one-to-one, self
        references) are left out.
        """

        def plain(f: ForeignKey) -> bool:
            loaded = f.ref_table in self.scope.order or f.ref_table in self.kept_rows
            return loaded and f.ref_table != q and not self._own_way(q, f)

        if not plain(fk):
            return ()
        group = tuple(
            f for f in self.schema.tables[q].foreign_keys
            if plain(f) and (f.name == fk.name or set(f.columns) & set(fk.columns))
        )  # fmt: skip
        return group if len(group) > 1 else ()

    def _shared_maps(self, q: str, group: tuple[ForeignKey, ...]) -> dict[str, ParentMap]:
        """Parent maps for foreign keys sharing columns: made once for the whole group."""
        names = ",".join(sorted(f.name for f in group))
        made = self._key_maps.get((q, names))
        if made is not None:
            return made
        shared = [c for c in group[0].columns if all(c in f.columns for f in group)]
        parents = []
        for f in group:
            values = [self.value_at(f.ref_table, f.ref_columns[f.columns.index(c)]) for c in shared]
            groups: dict[tuple[object, ...], array[int]] = {}
            for p in range(self.parent_count(f, self.scale)):
                groups.setdefault(tuple(v(p) for v in values), array("q")).append(p)
            parents.append((Draws(self.key(q, f.name, stream="fk"), wide=True), groups))
        maps = keys.shared_maps(Draws(self.key(q, names, stream="shared"), wide=True), parents)
        if maps is None and self.count(q):
            tables = " and ".join(sorted({f.ref_table for f in group}))
            raise SeedError(
                f"table {q} needs parent rows in {tables} with the same {', '.join(shared)}"
                f" (foreign keys {names.replace(',', ', ')}), and no value of it has both",
                hint=f"Give {tables} more rows in seeds/ (rows = N), or make {q} empty.",
            )
        empty = ParentMap(lambda row: None)
        made = {f.name: m for f, m in zip(group, maps or [empty] * len(group), strict=True)}
        self._key_maps[(q, names)] = made
        return made

    def _notnull(self, q: str, fk: ForeignKey) -> bool:
        table = self.schema.tables[q]
        return any(table.column(c).notnull for c in fk.columns)

    def value_at(self, q: str, column: str) -> Callable[[int], Any]:
        """Return parent row index -> value of `q.column` (lazy: the table may build later)."""
        if q in self.kept_rows:
            rows = self.kept_rows[q]
            return lambda p: rows[p][column]
        col: Column = self.schema.tables[q].column(column)
        if col.sequence is not None:
            start, step = col.sequence
            return lambda p: start + p * step
        gens = self.gens

        def at(p: int) -> Any:
            return gens[q][column].at(p)

        return at

    def source(self, q: str, column: str) -> tuple[Callable[[], dict[str, Gen] | None], str]:
        """Return (parent generators, column) so a child block can generate parent rows in bulk."""
        gens = self.gens
        return (lambda: gens.get(q)), column
