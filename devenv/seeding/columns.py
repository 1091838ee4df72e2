"""Build each column's generator: overrides first, then keys and constraints, then inference."""

from __future__ import annotations

import itertools
import re
import string
from collections.abc import Callable
from typing import Any

from devenv.errors import SeedError
from devenv.seeding import jsonshape, keys, providers
from devenv.seeding.checks import ColumnRules, Relation, analyse, columns_in, formula
from devenv.seeding.definitions import ColumnDef
from devenv.seeding.derived import sample_rows
from devenv.seeding.gens import (
    ConstGen,
    DerivedGen,
    ForeignGen,
    Gen,
    NullableGen,
    OffsetGen,
    ParentMap,
    PoolGen,
    RowGen,
    SeqGen,
)
from devenv.seeding.model import Column, ForeignKey
from devenv.seeding.patterns import PatternTooHard, examples
from devenv.seeding.planning import Plan, Planner, TablePlan
from devenv.seeding.pools import SLOT_BITS, TABLE_SIZE, build_table, words
from devenv.seeding.rng import Draws, key_int, mix
from devenv.seeding.rules import Rule, family, infer, snake
from devenv.seeding.scales import DEFAULT_NULL_FRACTION
from devenv.seeding.shaping import Misfit, adapt, bounds, fit, max_length
from devenv.seeding.special import SpecialColumns
from devenv.seeding.uniques import few_values
from devenv.seeding.values import DAY_US, display, encoder, writable

# A time tied to its flag: (may be set, may be NULL) for each value of the flag.
_FLAG_NULLS = {(True,): (True, False), (False,): (False, True), (None,): (False, True)}
# The fewest distinct values a name rule's provider must keep under a pattern CHECK to be used.
MANY_VALUES = 16
# Provider kinds that draw numbers from a range, which a CHECK's bounds can replace.
_SPANNED = ("int", "decimal", "float")
# Pairs of columns (as snake_case words) whose first is never after the second, CHECK or not:
# applications assume it, and triggers often enforce it.
IMPLIED = (
    ("created_at", "updated_at"),
    ("created_at", "modified_at"),
    ("created_at", "deleted_at"),
    ("created", "modified"),
    ("created", "updated"),
    ("created_on", "updated_on"),
    ("date_created", "date_modified"),
    ("date_created", "date_updated"),
    ("create_time", "update_time"),
    ("inserted_at", "updated_at"),
    ("date_joined", "last_login"),
    ("starts_at", "ends_at"),
    ("start_at", "end_at"),
    ("started_at", "ended_at"),
    ("started_at", "finished_at"),
    ("started_at", "completed_at"),
    ("start_date", "end_date"),
    ("start_time", "end_time"),
    ("starts_on", "ends_on"),
    ("date_from", "date_to"),
    ("issued_on", "due_on"),
    ("valid_from", "valid_to"),
    ("valid_from", "valid_until"),
    ("opened_at", "closed_at"),
    ("joined_on", "left_on"),
    ("joined_at", "left_at"),
    ("hired_on", "terminated_on"),
    ("check_in", "check_out"),
)


class TableBuilder(SpecialColumns):
    """Builds the generators of one table."""

    def __init__(self, planner: Planner, q: str) -> None:
        self.p = planner
        self.q = q
        self.table = planner.schema.tables[q]
        self.tdef = planner.tdefs.get(q)
        self.defs: dict[str, ColumnDef] = dict(self.tdef.columns) if self.tdef else {}
        self.gens: dict[str, Gen] = {}
        planner.gens[q] = self.gens
        self.copy: list[str] = []
        self.deferred: dict[str, ForeignKey] = {}
        self.maps: dict[str, ParentMap] = {}
        self.rules, relations, unread = self._facts()
        # CHECKs of one column devenv cannot read: the database sorts out the values that fail.
        self.probes: dict[str, list[tuple[str, str]]] = {}
        self.checked: set[str] = set()
        # Those over several columns: a sample of rows is checked once every column is built.
        self.row_checks: list[tuple[tuple[str, str], tuple[str, ...]]] = []
        names = {c.name for c in self.table.columns}
        for check in unread:
            used = columns_in(check[1], names)
            if len(used) == 1 and planner.probe is not None:
                self.probes.setdefault(used.pop(), []).append(check)
            elif used and planner.probe is not None:
                self.row_checks.append((check, tuple(sorted(used))))
            else:
                planner.notes.append(
                    f"{q}: CHECK {check[0]} is not understood; values are not shaped by it"
                )
        if planner.probe is not None:
            for name, keys in planner.uniques[q].avoid.items():
                self.probes.setdefault(name, []).extend(
                    (f"(the WHERE of unique index {index})", f"CHECK (({where}) IS NOT TRUE)")
                    for index, where in keys
                )
        self.after = {
            r.large: r for r in relations if self._generated(r.large) and self._generated(r.small)
        }
        self.smalls = {r.small for r in self.after.values()}
        # CHECK (a <> b) between two foreign keys to one table: b's parent is moved off a's.
        self.apart = {r.large: r.small for r in relations if r.distinct and self._same_parent(r)}
        self.carriers = planner.uniques[q].carriers
        self.fks = {fk.name: fk for fk in self.table.foreign_keys}
        self.labels = {c: self.fks[f] for f, (c, _) in planner.uniques[q].labelled.items()}
        self.objects = self.object_spec()

    def _facts(self) -> tuple[dict[str, ColumnRules], list[Relation], list[tuple[str, str]]]:
        """Merge table CHECKs, domain CHECKs and the implied created_at <= updated_at pairs."""
        facts = analyse([(c.name, c.expression) for c in self.table.checks])
        for col in self.table.columns:
            if col.type.checks:
                domain = analyse(
                    [(f"{col.type.name} check", e) for e in col.type.checks], value_column=col.name
                )
                facts.columns.setdefault(col.name, domain.columns.get(col.name, ColumnRules()))
                facts.unread += domain.unread
        relations = list(facts.relations)
        seen = {(r.small, r.large) for r in relations}
        for _, lower, upper in self.table.spans:  # a range's lower bound is at most its upper
            if (lower, upper) not in seen:
                relations.append(Relation(lower, upper, strict=False))
                seen.add((lower, upper))
        named = {snake(c.name): c.name for c in self.table.columns}
        for pair in IMPLIED:
            small, large = (named.get(w) for w in pair)
            if small and large and (small, large) not in seen:
                relations.append(Relation(small, large, strict=False))
        return facts.columns, relations, facts.unread

    def _generated(self, name: str) -> bool:
        """Return True for a column this engine writes (not a key, not left to the database)."""
        if (
            not self.table.has_column(name)
            or name in self.p.skipped[self.q]
            or self.p.fk_of(self.q, name)
        ):
            return False
        cdef = self.defs.get(name)
        return cdef is None or cdef.kind in ("after", "provider", "range", "auto")

    def error(self, column: str, problem: str, hint: str = "") -> SeedError:
        """Name the definition file when there is one, else the table."""
        cdef = self.defs.get(column)
        if cdef is not None:
            return cdef.error(problem)
        return SeedError(
            f"table {self.q}, column {column}: {problem}",
            hint=hint
            or f"Add an override for {self.table.name}.{column} in the project's seeds/ directory.",
        )

    def build(self) -> TablePlan:
        """Build every column, in table order."""
        for col in self.table.columns:
            self._column(col)
        match = next((k.columns for k in self.table.uniques if k.primary), ())
        rows = self.p.count(self.q)
        for name in [n for n in self.probes if n not in self.checked]:
            gen = self.gens.get(name)
            if gen is not None and not isinstance(gen, PoolGen):
                self._sample_passes(name, gen, rows)
        for fk_name, (name, where) in self.p.uniques[self.q].firsts.items():
            self._firsts(self.fks[fk_name], name, where)
        self._flagged_times()
        for check, used in self.row_checks:
            if rows and self._nulls_follow(check, used):
                continue
            shaped = rows > 0 and (self._computed(check) or self._null_patterns(check, used))
            self._rows_pass(check, used, rows, shaped=shaped)
        # COPY lists fixed-width NOT NULL columns first: each row's run of them is packed at once.
        copy, table = tuple(sorted(self.copy, key=self._copy_rank)), self.table
        sql = tuple(d for d in self.defs.values() if d.kind == "sql")
        return TablePlan(self.q, rows, copy, self.gens, self.deferred, match, self.objects,
                         table.partitioned, table.user_triggers, sql)  # fmt: skip

    def _copy_rank(self, name: str) -> int:
        """0 for fixed-width NOT NULL columns, 1 for other fixed-width ones, 2 for the rest."""
        if self.gens[name].encode.fixed is None:
            return 2
        col = self.table.column(name)
        return 0 if col.notnull and name not in self.deferred else 1

    def _column(self, col: Column) -> None:
        """Create the generator of one column and decide whether COPY writes it."""
        name = col.name
        if name in self.gens:
            return
        if col.sequence is not None:
            start, step = col.sequence
            self.gens[name] = SeqGen(name, encoder(col.type), start, step)
            return
        if name in self.p.skipped[self.q]:
            return
        cdef = self.defs.get(name)
        fk = self.p.fk_of(self.q, name)
        labelled = self.labels.get(name)
        if fk is not None and not (cdef and cdef.kind == "follow"):
            gen: Gen | None = self._foreign(col, fk, cdef)
        elif labelled is not None:
            gen = self.labelled(col, labelled)
        else:
            gen = self._value(col, cdef)
        if gen is None:
            return
        self.gens[name] = gen
        self.copy.append(name)
        if fk is not None and (self.q, fk.name) in self.p.scope.deferred:
            self.deferred[name] = fk
            gen.column = f"{name}\x00deferred"
            self.gens[gen.column] = gen
            self.gens[name] = ConstGen(name, gen.encode, None)

    def _value(self, col: Column, cdef: ColumnDef | None) -> Gen | None:
        """Pick the generator of a column that is not a foreign key."""
        name = col.name
        if cdef is not None and cdef.kind != "auto":
            gen = self.defined(col, cdef)
        elif self.objects and name == self.objects.key_column:
            gen = self.object_key(col)
        elif self.objects and self.is_size_column(col):
            gen = self.object_size(col)
        elif name in self.carriers:
            gen = self.carrier(col)
        elif name in self.after:
            gen = self.offset(col, self.after[name], None)
        elif (spaced := self.span_start(col)) is not None:
            gen = spaced
        else:
            inferred = self.inferred(col)
            if inferred is None:
                return None
            gen = inferred
        return self._with_nulls(col, cdef, gen)

    def _same_parent(self, relation: Relation) -> bool:
        """Whether both columns are single-column foreign keys to the same parent column."""
        a, b = self.p.fk_of(self.q, relation.small), self.p.fk_of(self.q, relation.large)
        return (
            a is not None
            and b is not None
            and a.name != b.name
            and len(a.columns) == len(b.columns) == 1
            and (a.ref_table, a.ref_columns) == (b.ref_table, b.ref_columns)
            and a.ref_table != self.q  # self-references pick earlier rows their own way
        )

    def _map(self, fk: ForeignKey, cdef: ColumnDef | None) -> ParentMap:
        """How rows pick their parent row for `fk` (made once per foreign key)."""
        if fk.name not in self.maps:
            fmap = self.p.parent_map(self.q, fk, self.null_fraction(fk.columns[0], cdef))
            other = self.apart.get(fk.columns[0])
            if other is not None:
                first = self.p.fk_of(self.q, other)
                assert first is not None
                parents = self.p.parent_count(first, self.p.scale)
                fmap = keys.apart_map(self._map(first, self.defs.get(other)), fmap, parents)
            self.maps[fk.name] = fmap
        return self.maps[fk.name]

    def _foreign(self, col: Column, fk: ForeignKey, cdef: ColumnDef | None) -> Gen:
        """A foreign key column: the parent's key value at the mapped parent row."""
        if cdef is not None and cdef.kind != "auto":
            raise cdef.error("is a foreign key: only null_fraction (or follow) may be set")
        self._map(fk, cdef)
        ref = fk.ref_columns[fk.columns.index(col.name)]
        enc = encoder(col.type)
        value_at = self.p.value_at(fk.ref_table, ref)
        return ForeignGen(
            col.name,
            enc,
            fk.name,
            self.maps[fk.name],
            value_at,
            source=self.p.source(fk.ref_table, ref),
        )

    def null_fraction(self, name: str, cdef: ColumnDef | None) -> float:
        """Return the share of NULLs of a column (0 where NULL is not allowed)."""
        col = self.table.column(name)
        notnull = col.never_null or self.rules.get(name, ColumnRules()).notnull
        if any(name in k.columns and not k.nulls_distinct for k in self.table.uniques):
            notnull = True  # UNIQUE NULLS NOT DISTINCT: a second NULL would be a duplicate
        if name in self.smalls and any(
            self.table.column(r.large).notnull for r in self.after.values() if r.small == name
        ):
            notnull = True
        asked = cdef.null_fraction if cdef is not None else None
        if asked is not None:
            if notnull and asked > 0:
                raise self.error(name, "null_fraction > 0 on a column that does not allow NULL")
            return asked
        explicit = cdef is not None and cdef.kind != "auto"
        if (
            notnull
            or explicit
            or col.default is not None
            or (self.objects and name in self.object_columns())
        ):
            return 0.0
        rule = infer(self.table.name, name, col.type)
        if rule is not None and rule.null_fraction is not None:
            return rule.null_fraction
        return DEFAULT_NULL_FRACTION

    def _with_nulls(self, col: Column, cdef: ColumnDef | None, gen: Gen) -> Gen:
        """Blank out a share of rows, unless the generator already folded NULLs into its pool."""
        fraction = self.null_fraction(col.name, cdef)
        if (
            fraction <= 0
            or isinstance(gen, PoolGen)
            or (isinstance(gen, ConstGen) and gen.value is None)
        ):
            return gen
        draws = Draws(self.p.key(self.q, col.name, stream="null"))
        return NullableGen(gen, fraction, draws)

    def pool(
        self,
        col: Column,
        made: providers.Made,
        cdef: ColumnDef | None,
        *,
        strict: bool,
        nulls: bool = True,
    ) -> Gen:
        """Fit a provider's values to the column and wrap them in a draw table."""
        rules = self.rules.get(col.name, ColumnRules())
        try:
            values = adapt(made, col.type)
        except Misfit as exc:
            raise self.error(col.name, str(exc)) from exc
        checks = self.probes.get(col.name, [])
        if checks and family(col.type) == "json":
            values = self._json_needs(col, values, checks)
        kept, weights = fit(values, made.weights, rules, col.type)
        if not kept and made.kind in _SPANNED and (rules.lower or rules.upper):
            # The provider's usual range misses the CHECK's (a year from 1901 to 2155, say).
            made = self._spanning(col, rules, made.kind)
            values = adapt(made, col.type)
            kept, weights = fit(values, made.weights, rules, col.type)
        if checks and kept:
            kept, weights = self._passing(col, kept, weights, checks)
        if not kept or (strict and len(kept) < len(values)):
            bad = next((v for v in values if v not in kept), None)
            raise self.error(
                col.name,
                f"value {bad!r} does not fit the column type or its CHECK constraints"
                if kept or bad is not None
                else "no value fits the column type and its CHECK constraints",
            )
        fraction = self.null_fraction(col.name, cdef or self.defs.get(col.name)) if nulls else 0.0
        enc = encoder(col.type)
        # Columns that draw from the same values share one table (less memory, fewer encodes).
        shared = (id(made), col.type, repr(rules), tuple(checks), fraction, tuple(weights or ()),
                  len(kept))  # fmt: skip
        table = self.p.pool_cache.get(shared)
        if table is None:
            table = build_table(kept, enc, weights=weights, null_fraction=fraction)
            self.p.pool_cache[shared] = table
        return PoolGen(col.name, enc, table, Draws(self.p.key(self.q, col.name), bits=SLOT_BITS))

    def _spanning(self, col: Column, rules: ColumnRules, kind: str) -> providers.Made:
        """Numbers spread over the range a CHECK gives (a bound it leaves open: 1,000 away)."""
        low, high = bounds(rules, col.type)
        if rules.lower is None:
            low = high - 1000
        elif rules.upper is None:
            high = low + 1000
        args: dict[str, Any] = {"min": low, "max": high}
        if kind == "decimal":
            places = (col.type.numeric_precision or (0, 2))[1]
            args = {"min": str(low), "max": str(high), "places": places}
        rnd = self.p.rnd(self.q, col.name, "spanning")
        return providers.build(kind if kind != "int" else "integer", args, rnd, self.p.anchor)

    def _json_needs(self, col: Column, values: list[Any], checks: list[tuple[str, str]]) -> Any:
        """JSON values given the keys the column's CHECKs ask for (`data ? 'kind'` and such)."""
        needs = jsonshape.needs(col.name, [definition for _, definition in checks])
        if not needs:
            return values
        rnd = self.p.rnd(self.q, col.name, "json")
        vocab = [w.lower() for w in words("words")]
        return [needs.apply(v, rnd, vocab) for v in values]

    def _passing(
        self,
        col: Column,
        values: list[Any],
        weights: list[float] | None,
        checks: list[tuple[str, str]],
    ) -> tuple[list[Any], list[float] | None]:
        """Keep the values (and their weights) that pass the CHECKs devenv cannot read."""
        assert self.p.probe is not None
        ok = self.passes(col, values, checks)
        for case in (str.upper, str.lower) if family(col.type) == "text" else ():
            if any(ok):
                break
            values = list(dict.fromkeys(case(v) for v in values))  # CHECK (code = upper(code))
            weights = None
            ok = self.passes(col, values, checks)
        if not any(ok):
            names = ", ".join(name for name, _ in checks)
            raise self.error(
                col.name,
                f"none of the values devenv makes passes CHECK {names} (the database checked "
                f"{len(values)} of them)",
                hint=f"Give {self.table.name}.{col.name} choices or a template in seeds/ whose "
                'values pass it, or let the database make them: { sql = "..." }.',
            )
        kept = [v for v, good in zip(values, ok, strict=True) if good]
        if weights is not None:
            weights = [w for w, good in zip(weights, ok, strict=True) if good]
        return kept, weights

    def _sample_passes(self, name: str, gen: Gen, rows: int) -> None:
        """A column not drawn from a pool, under a CHECK devenv cannot read: check a sample."""
        assert self.p.probe is not None
        col = self.table.column(name)
        values = [v for v in map(gen.at, sample_rows(rows)) if v is not None] if rows else []
        ok = self.passes(col, values, self.probes[name])
        if not all(ok):
            bad = values[ok.index(False)]
            names = ", ".join(check for check, _ in self.probes[name])
            raise self.error(
                name,
                f"value {display(bad, col.type)!r} that devenv makes fails CHECK {names}",
                hint=f"Give {self.table.name}.{name} choices or a template in seeds/ whose "
                'values pass it, or let the database make them: { sql = "..." }.',
            )

    def span_start(self, col: Column) -> Gen | None:
        """The lower bound of a span that must not overlap others of its group: spaced slots.

        EXCLUDE (room_id WITH =, tstzrange(starts_at, ends_at) WITH &&): rows take the rooms in
        turn, and a room's n-th row starts in its n-th slot, twice as long as the longest span;
        the upper bound, drawn after the lower one, stays inside the slot. Without a foreign key
        to group by, every row gets a slot of its own. None when `col` is no such bound.
        """
        span = next((s for s in self.table.spans if s[1] == col.name), None)
        relation = self.after.get(span[2]) if span else None
        if span is None or relation is None or family(col.type) != "timestamp":
            return None
        upper = self.table.column(span[2])
        _, high, unit = self.offset_range(upper, relation, self.defs.get(upper.name))
        fk = self.p.fk_of(self.q, span[0][0]) if len(span[0]) == 1 else None
        spread = fk is not None and self.p.spread(self.q, fk)
        groups = max(1, self.p.parent_count(fk, self.p.scale)) if fk and spread else 1
        slot, key = 2 * (high + 1), key_int(self.p.key(self.q, col.name, stream="span"))
        per_group = -(-self.p.count(self.q) // groups)  # rounded up
        origin = self.p.anchor - per_group * slot * unit

        def start(row: int) -> Any:
            return origin + ((row // groups) * slot + mix(key, row) % (high + 1)) * unit

        return RowGen(col.name, encoder(col.type), start)

    def _nulls_follow(self, check: tuple[str, str], used: tuple[str, ...]) -> bool:
        """Tie a nullable column's NULLs to the other columns of a CHECK devenv cannot read.

        `(paid AND paid_at IS NOT NULL) OR (NOT paid AND paid_at IS NULL)`: when the other
        columns take few values (choices, enums, booleans, a constant default), the database
        says for each of them whether the column may be NULL, or not, or either. Returns True
        when the column now follows that.
        """
        assert self.p.probe is not None
        nullable = {c.name for c in self.table.columns if not c.never_null}
        free = [c for c in used if c in self.gens and c in nullable and not self.p.fk_of(self.q, c)]
        fixed = [c for c in used if c not in free]
        if len(free) != 1:
            return False
        options = [self._few_values(c) for c in fixed]
        known = [o for o in options if o is not None]
        value = self._a_value(free[0])
        if value is None or len(known) < len(options):
            return False
        combos = list(itertools.product(*known))
        if len(combos) > 64:
            return False
        rows = [(*combo, v) for combo in combos for v in (value, None)]
        cols = [self.table.column(c) for c in (*fixed, *free)]
        ok = self.p.probe(self.q, cols, rows, [check])
        # combo -> (may be set, may be NULL)
        allowed = {combo: (ok[2 * i], ok[2 * i + 1]) for i, combo in enumerate(combos)}
        if any(a == (False, False) for a in allowed.values()):
            return False  # some rows cannot pass at all: the sampling reports it
        if all(a == (True, True) for a in allowed.values()):
            return False  # NULLs are not what the CHECK is about
        # The columns the database fills take their one DEFAULT value.
        constants = {c: o[0] for c, o in zip(fixed, known, strict=True) if c not in self.gens}
        self._tie_nulls(free[0], fixed, constants, allowed, value)
        self.p.notes.append(
            f"{self.q}: CHECK {check[0]} is not understood as written; NULLs of {free[0]}"
            f" follow {', '.join(fixed)}, as the database evaluates it"
        )
        return True

    def _tie_nulls(
        self,
        name: str,
        fixed: list[str],
        constants: dict[str, Any],
        allowed: dict[tuple[Any, ...], tuple[bool, bool]],
        example: Any,
    ) -> None:
        """Replace `name`'s generator: NULL, a value, or either, by the other columns' values.

        A row that must have a value where the generator drew NULL gets one of its values.
        """
        drawn, hidden, some_value = self._set_aside(name, example)
        inputs = tuple(c for c in fixed if c in self.gens)

        def tied(row: int, *args: Any) -> Any:
            given = dict(zip(inputs, args[:-1], strict=True))
            combo = tuple(given[c] if c in given else constants[c] for c in fixed)
            may_set, may_null = allowed[combo]
            value = args[-1]
            if may_set and may_null:
                return value
            if may_null:
                return None
            return value if value is not None else some_value(row)

        self.gens[name] = DerivedGen(name, drawn.encode, (*inputs, hidden), tied, gens=self.gens)

    def _set_aside(self, name: str, example: Any) -> tuple[Gen, str, Callable[[int], Any]]:
        """Move `name`'s generator to a hidden column, for a generator that decides its NULLs.

        Returns it, the hidden column, and a function giving a row a value where it drew NULL.
        """
        drawn = self.gens[name]
        hidden = f"{name}\x00drawn"
        while hidden in self.gens:  # set aside before, by another rule
            hidden += "'"
        drawn.column = hidden
        self.gens[hidden] = drawn
        values = [v for v in self._values_of(drawn) if v is not None]
        key = key_int(self.p.key(self.q, name, stream="nulls"))

        def some_value(row: int) -> Any:
            if isinstance(drawn, NullableGen):
                return drawn.inner.at(row)
            return values[mix(key, row) % len(values)] if values else example

        return drawn, hidden, some_value

    def _computed(self, check: tuple[str, str]) -> bool:
        """`CHECK (line_total = qty * unit_price)`: the column is computed from the others.

        Where an input is NULL (the CHECK then holds whatever the column is), a NOT NULL column
        keeps the value it drew. Returns True when the column is now computed.
        """
        found = formula(check[1])
        if found is None:
            return False
        name, inputs, compute = found
        col = self.table.column(name)
        if not self._generated(name) or name not in self.gens or name in self.carriers:
            return False
        if any(c not in self.gens for c in inputs):
            return False
        drawn, hidden, _ = self._set_aside(name, None)
        whole = family(col.type) == "int"

        def computed(row: int, *values: Any) -> Any:
            value = compute(*values[:-1])
            if value is None:
                return None if not col.never_null else values[-1]
            return int(value) if whole and value == int(value) else value

        inputs = (*inputs, hidden)
        self.gens[name] = DerivedGen(name, drawn.encode, inputs, computed, gens=self.gens)
        self.p.notes.append(f"{self.q}: {name} is computed as CHECK {check[0]} says")
        return True

    def _null_patterns(self, check: tuple[str, str], used: tuple[str, ...]) -> bool:
        """Give nullable columns only the NULL patterns a CHECK devenv cannot read allows.

        `num_nonnulls(post_id, photo_id) = 1`, `(a IS NULL) <> (b IS NULL)`, `coalesce(a, b) IS
        NOT NULL`: the database evaluates the CHECK for every pattern of set and NULL columns,
        with a value each generator makes. A row keeps the pattern it drew when that one is
        allowed, else takes an allowed one by its hash. Returns True when the columns now follow
        the allowed patterns (the caller still samples rows against the CHECK).
        """
        assert self.p.probe is not None
        cols = [self.table.column(c) for c in used]
        if not 2 <= len(used) <= 4 or any(
            c.never_null or c.name not in self.gens or c.name in self.deferred for c in cols
        ):
            return False
        examples = [self._a_value(c) for c in used]
        if any(v is None for v in examples):
            return False
        patterns = list(itertools.product((True, False), repeat=len(used)))  # True: set
        rows = [tuple(v if s else None for v, s in zip(examples, p, strict=True)) for p in patterns]
        ok = self.p.probe(self.q, cols, rows, [check])
        allowed = [p for p, passes in zip(patterns, ok, strict=True) if passes]
        if not allowed or len(allowed) == len(patterns):
            return False  # nothing passes (sampling reports it), or NULLs do not matter
        fill = [self._set_aside(c, v) for c, v in zip(used, examples, strict=True)]
        hidden = tuple(h for _, h, _ in fill)
        permitted = set(allowed)
        key = key_int(self.p.key(self.q, "\x00".join(used), stream="null-pattern"))

        def pattern(row: int, values: tuple[Any, ...]) -> tuple[bool, ...]:
            drawn = tuple(v is not None for v in values)
            return drawn if drawn in permitted else allowed[mix(key, row) % len(allowed)]

        for i, (name, (drawn, _, some_value)) in enumerate(zip(used, fill, strict=True)):

            def follow(row: int, *values: Any, i: int = i, some_value: Any = some_value) -> Any:
                if not pattern(row, values)[i]:
                    return None
                return values[i] if values[i] is not None else some_value(row)

            self.gens[name] = DerivedGen(name, drawn.encode, hidden, follow, gens=self.gens)
        shown = " / ".join(", ".join(c for c, s in zip(used, p, strict=True) if s) or "none"
                           for p in allowed)  # fmt: skip
        self.p.notes.append(
            f"{self.q}: CHECK {check[0]} is not understood as written; rows set only the"
            f" columns it allows together ({shown}), as the database evaluates it"
        )
        return True

    def _flagged_times(self) -> None:
        """A nullable time follows its flag: `paid` and `paid_at`, `is_verified` and `verified_at`.

        The time is set where the flag is true and NULL where it is false. A CHECK that ties
        them is handled on its own.
        """
        flags = {snake(c.name): c.name for c in self.table.columns if c.type.base == "bool"}
        tied = {c for _, used in self.row_checks for c in used}
        for col in self.table.columns:
            words = re.fullmatch(r"(.+)_(at|on|date|time)", snake(col.name))
            if words is None or col.never_null or col.name not in self.gens or col.name in tied:
                continue
            if family(col.type) not in ("timestamp", "date"):
                continue
            stem = words[1]
            flag = flags.get(stem) or flags.get(f"is_{stem}") or flags.get(f"has_{stem}")
            if flag is None or flag in tied:
                continue
            # A flag the database fills takes its constant DEFAULT; one it cannot tell is skipped.
            default = None if flag in self.gens else self._few_values(flag)
            if flag not in self.gens and default is None:
                continue
            constants = {flag: default[0]} if default is not None else {}
            self._tie_nulls(col.name, [flag], constants, _FLAG_NULLS, None)
            self.p.notes.append(f"{self.q}: {col.name} is set where {flag} is true, NULL elsewhere")

    def _firsts(self, fk: ForeignKey, name: str, where: str) -> None:
        """Each parent's first row meets a partial unique index's WHERE: a team's one owner.

        Rows take the parents in turn, so rows below the parent count are the first children.
        The others draw from values the database keeps out of the WHERE (see `avoid`).
        """
        if self.p.probe is None or name not in self.gens:
            return
        col = self.table.column(name)
        candidates = few_values(col, self.rules.get(name, ColumnRules()).choices) or ()
        inside = self.p.probe(self.q, [col], [(v,) for v in candidates],
                              [("where", f"CHECK (({where}) IS TRUE)")])  # fmt: skip
        first = next((v for v, ok in zip(candidates, inside, strict=True) if ok), None)
        if first is None:
            return
        drawn, hidden, _ = self._set_aside(name, first)
        parents = self.p.parent_count(fk, self.p.scale)

        def pick(row: int, value: Any) -> Any:
            return first if row < parents else value

        self.gens[name] = DerivedGen(name, drawn.encode, (hidden,), pick, gens=self.gens)
        self.p.notes.append(
            f"{self.q}: each {fk.ref_table} row's first {self.table.name} row has {name} ="
            f" {first!r} (unique index WHERE {where}); the others do not"
        )

    def _few_values(self, name: str) -> list[Any] | None:
        """The few values a column takes (at most 16), or None: drawn, constant or its DEFAULT."""
        gen = self.gens.get(name)
        if gen is not None:
            values = self._values_of(gen)
            return values if 0 < len(values) <= 16 else None
        col = self.table.column(name)
        if col.default is not None and col.default_constant and self.p.evaluate is not None:
            return [self.p.evaluate(col.default)]
        return None

    @staticmethod
    def _values_of(gen: Gen) -> list[Any]:
        """The distinct values a draw-table or constant generator takes (else none known)."""
        if isinstance(gen, PoolGen):
            return gen.table.distinct()
        if isinstance(gen, ConstGen):
            return [gen.value]
        return []

    def _a_value(self, name: str) -> Any:
        """A value the column's generator makes (not NULL), from its draw table or its rows."""
        gen = self.gens[name]
        drawn = [v for v in self._values_of(gen) if v is not None]
        if drawn:
            return drawn[0]
        return next((v for r in range(64) if (v := gen.at(r)) is not None), None)

    def _rows_pass(
        self, check: tuple[str, str], used: tuple[str, ...], rows: int, *, shaped: bool = False
    ) -> None:
        """A CHECK over several columns devenv cannot read: the database checks sampled rows.

        Rows that break it are an error before anything is loaded; otherwise a note says the
        CHECK was only sampled (unless the rows were `shaped` by it, which has its own note).
        """
        assert self.p.probe is not None
        name = check[0]
        if not rows or any(c not in self.gens for c in used):  # the database fills one of them
            self.p.notes.append(
                f"{self.q}: CHECK {name} is not understood; values are not shaped by it"
            )
            return
        cols = [self.table.column(c) for c in used]
        sample = [tuple(self.gens[c].at(r) for c in used) for r in sample_rows(rows)]
        ok = self.p.probe(self.q, cols, sample, [check])
        if all(ok):
            if not shaped:
                self.p.notes.append(
                    f"{self.q}: CHECK {name} is not understood; {len(sample)} sampled rows pass it"
                )
            return
        bad = sample[ok.index(False)]
        shown = ", ".join(
            f"{c.name} = {display(v, c.type)!r}" for c, v in zip(cols, bad, strict=True)
        )
        raise SeedError(
            f"table {self.q}: rows devenv makes break CHECK {name}, which it cannot read "
            f"(for instance {shown})",
            hint=f"Shape {', '.join(used)} in seeds/ so that rows pass it (choices, range, "
            'template, after), or let the database make one of them: { sql = "..." }.',
        )

    def offset(self, col: Column, relation: Relation, cdef: ColumnDef | None) -> Gen:
        """`col` = base column + a positive step, so CHECK (base < col) always holds."""
        base = self.gens.get(relation.small) or self._early(relation.small)
        low, high, unit = self.offset_range(col, relation, cdef)
        # Up to TABLE_SIZE steps, 12-bit draws still reach every one of them.
        bits = SLOT_BITS if high - low < TABLE_SIZE else 16
        draws = Draws(self.p.key(self.q, col.name, stream="offset"), bits=bits)
        ceiling = DAY_US if family(col.type) == "time" else None
        return OffsetGen(col.name, encoder(col.type), base, low, high, unit, draws, ceiling=ceiling)

    def _early(self, name: str) -> Gen:
        """Build a column that a later column depends on before its turn."""
        self._column(self.table.column(name))
        if name not in self.gens:
            raise self.error(name, "another column is derived from it, but it is not generated")
        return self.gens[name]

    def depend(self, name: str) -> Gen:
        """Return the generator of `name`, building it early if needed."""
        return self.gens.get(name) or self._early(name)

    def inferred(self, col: Column) -> Gen | None:
        """Infer from CHECK choices and enum labels, then the name rules, then the type."""
        rules = self.rules.get(col.name, ColumnRules())
        if col.type.base == "array":
            return self.array(col)
        if col.type.base == "range":
            return self.range_of(col)
        if col.type.base in ("bit", "varbit"):
            return self.bits(col)
        if col.type.base == "macaddr":
            return self.macaddrs(col)
        if col.type.base == "char" and rules.choices is None:
            letters = providers.Made(list(string.ascii_lowercase), "text")
            return self.pool(col, letters, None, strict=False)
        if col.type.base == "enum" or rules.choices is not None:
            choices = list(rules.choices if rules.choices is not None else col.type.labels)
            return self.pool(
                col,
                providers.Made(choices, "text" if family(col.type) == "text" else family(col.type)),
                None,
                strict=False,
            )
        rule = infer(self.table.name, col.name, col.type)
        if rule is not None and rule.by_name and rule.provider in ("email", "phone"):
            return self.marked(col, rule.provider)
        if rules.patterns and family(col.type) == "text":
            named = self._named_under_pattern(col, rule)
            if named is not None:
                return named
            try:
                rnd = self.p.rnd(self.q, col.name, "pattern")
                lengths = (rules.min_length or 0, max_length(rules, col.type))
                values = examples(rules.patterns[0], rnd, lengths=lengths)
                return self.pool(col, providers.Made(values, "text"), None, strict=False)
            except (PatternTooHard, SeedError):
                self.p.notes.append(f"{self.q}.{col.name}: pattern {rules.patterns[0]!r} too hard")
        if rule is None:
            return self.unsupported(col)
        if col.default is not None and col.default_constant and not rule.by_name:
            return None
        return self.from_provider(col, rule.provider, rule.args, None)

    def _named_under_pattern(self, col: Column, rule: Rule | None) -> Gen | None:
        """The name rule's values that match the column's patterns, when enough of them do.

        `website ~ '^https?://'` keeps URLs, rather than the shortest strings that match.
        """
        if rule is None or not rule.by_name:
            return None
        try:
            gen = self.from_provider(col, rule.provider, rule.args, None)
        except SeedError:  # none of its values matches
            return None
        # A draw table holds only values that passed the patterns; other generators are unchecked.
        if not isinstance(gen, PoolGen) or len(gen.table.distinct()) < MANY_VALUES:
            return None
        return gen

    def defined(self, col: Column, cdef: ColumnDef) -> Gen:
        """Build the generator a definition asks for."""
        if col.name in self.carriers and cdef.kind not in ("template", "object"):
            if cdef.kind == "provider" and family(col.type) == "text":
                return self.carrier(col)
            raise cdef.error(
                f"is in a unique key; use a template with {{row}} (or a text provider) so values "
                f"stay distinct (kind {cdef.kind!r} repeats values)"
            )
        if cdef.kind != "default" and not writable(col.type):
            raise cdef.error(
                f"devenv cannot write values of type {col.type.name}; let the database make them"
                ' with an SQL expression, e.g. { sql = "..." }'
            )
        builder = getattr(self, f"def_{cdef.kind}")
        gen: Gen = builder(col, cdef)
        return gen


def make_plan(planner: Planner) -> Plan:
    """Build every table's generators, then check that every foreign key target is generated."""
    tables = [TableBuilder(planner, q).build() for q in planner.scope.order]
    planner.notes.extend(note for q in planner.scope.order if (note := planner.capped(q)))
    for q in planner.scope.order:
        for fk in planner.schema.tables[q].foreign_keys:
            if fk.ref_table in planner.gens:
                missing = [c for c in fk.ref_columns if c not in planner.gens[fk.ref_table]]
                if missing:
                    raise SeedError(
                        f"table {q}: foreign key {fk.name} points at {fk.ref_table}.{missing[0]}, "
                        "which the database fills (default or generated), so its values are "
                        "unknown",
                        hint=(
                            f"Remove the `default = true` override of {fk.ref_table}.{missing[0]}."
                        ),
                    )
    planner.notes.extend(
        f"{q}: no rows of its own; it keeps the rows the triggers of {', '.join(by)} insert"
        for q, by in planner.scope.triggered
    )
    return Plan(
        planner.seed,
        planner.scale,
        tables,
        planner.scope.kept,
        planner.notes,
        bool(planner.scope.unchecked),
        frozenset(q for q, _ in planner.scope.triggered),
    )
