"""The schema as the seed engine sees it: tables, columns, types and constraints."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PgType:
    """A column type reduced to what encoding and generation need."""

    oid: int
    name: str
    base: str
    typmod: int = -1
    labels: tuple[str, ...] = ()
    element: PgType | None = None
    checks: tuple[str, ...] = ()
    notnull: bool = False

    @property
    def max_length(self) -> int | None:
        """Return n for varchar(n)/char(n), 1 for "char", else None."""
        if self.base in ("varchar", "bpchar") and self.typmod >= 4:
            return self.typmod - 4
        return 1 if self.base == "char" else None

    @property
    def numeric_precision(self) -> tuple[int, int] | None:
        """Return (precision, scale) for numeric(p,s), else None."""
        if self.base != "numeric" or self.typmod < 4:
            return None
        mod = self.typmod - 4
        return (mod >> 16) & 0xFFFF, mod & 0xFFFF


@dataclass(frozen=True)
class Column:
    """One column of a table."""

    name: str
    type: PgType
    notnull: bool
    default: str | None = None
    default_constant: bool = False
    identity: str = ""
    generated: bool = False
    sequence: tuple[int, int] | None = None

    @property
    def never_null(self) -> bool:
        """Return True when the column, or its domain, is NOT NULL."""
        return self.notnull or self.type.notnull

    @property
    def db_assigned(self) -> bool:
        """Return True when the database must fill this column (identity, generated, serial)."""
        return bool(self.identity) or self.generated or self.sequence is not None


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key from `columns` to `ref_columns` of `ref_table`."""

    name: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]


@dataclass(frozen=True)
class UniqueKey:
    """A primary key, unique constraint or unique index (possibly on an expression)."""

    name: str
    columns: tuple[str, ...]
    primary: bool = False
    expression: bool = False
    # False for UNIQUE NULLS NOT DISTINCT (PostgreSQL 15+): then one NULL at most.
    nulls_distinct: bool = True
    # A partial unique index: its WHERE, and the columns only the WHERE reads.
    where: str | None = None
    filter_only: tuple[str, ...] = ()


@dataclass(frozen=True)
class Check:
    """A CHECK constraint and its deparsed expression."""

    name: str
    expression: str


@dataclass(frozen=True)
class Table:
    """One table to seed."""

    schema: str
    name: str
    columns: tuple[Column, ...]
    uniques: tuple[UniqueKey, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    checks: tuple[Check, ...] = ()
    # Columns of each exclusion constraint (EXCLUDE USING gist (room WITH =, during WITH &&)).
    exclusions: tuple[tuple[str, ...], ...] = ()
    # EXCLUDE (room_id WITH =, tstzrange(starts_at, ends_at) WITH &&): (equal columns, lower,
    # upper) of the spans rows of one group must not overlap.
    spans: tuple[tuple[tuple[str, ...], str, str], ...] = ()
    partitioned: bool = False
    user_triggers: bool = False
    # The tables this table's triggers insert into, as their functions name them.
    trigger_writes: tuple[str, ...] = ()

    @property
    def qualified(self) -> str:
        """Return `schema.name`."""
        return f"{self.schema}.{self.name}"

    def column(self, name: str) -> Column:
        """Return the column called `name`."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def has_column(self, name: str) -> bool:
        """Return True if the table has a column called `name`."""
        return any(col.name == name for col in self.columns)


@dataclass(frozen=True)
class Schema:
    """All tables devenv may seed, keyed by `schema.name`."""

    tables: dict[str, Table] = field(default_factory=dict)

    def find(self, name: str) -> Table | None:
        """Find a table by `schema.name` or by a bare name that is unambiguous."""
        if name in self.tables:
            return self.tables[name]
        matches = [t for t in self.tables.values() if t.name == name]
        return matches[0] if len(matches) == 1 else None
