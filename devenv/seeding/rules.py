"""Infer a generator from a column's name and type, using the shipped `seeds/rules.toml`."""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

from devenv.errors import SeedError
from devenv.resources import resource_dir
from devenv.seeding.model import PgType

_FAMILIES = {
    "text": "text",
    "varchar": "text",
    "bpchar": "text",
    "name": "text",
    "citext": "text",
    "int2": "int",
    "int4": "int",
    "int8": "int",
    "numeric": "decimal",
    "money": "decimal",
    "float4": "float",
    "float8": "float",
    "date": "date",
    "timestamp": "timestamp",
    "timestamptz": "timestamp",
    "time": "time",
    "timetz": "time",
    "interval": "interval",
    "bool": "bool",
    "json": "json",
    "jsonb": "json",
    "inet": "inet",
    "cidr": "inet",
    "uuid": "uuid",
    "bytea": "bytea",
    "enum": "text",
    "macaddr": "macaddr",
    "char": "text",
    "bit": "bit",
    "varbit": "bit",
    "range": "range",
    "tsvector": "tsvector",
}


def snake(name: str) -> str:
    """A name as lower snake_case words, as rules see it: createdAt and CreatedAt -> created_at."""
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name).lower()


def family(pgtype: PgType) -> str:
    """Return the type family a rule's `types` refers to (`other` when none)."""
    return _FAMILIES.get(pgtype.base, "other")


@dataclass(frozen=True)
class Rule:
    """One inference rule."""

    provider: str
    args: dict[str, Any] = field(default_factory=dict)
    column: re.Pattern[str] | None = None
    table: re.Pattern[str] | None = None
    types: tuple[str, ...] = ()
    null_fraction: float | None = None  # for a nullable column, when a rule knows better

    @property
    def by_name(self) -> bool:
        """Return True for name rules, False for type fallbacks."""
        return self.column is not None

    def matches(self, table: str, column: str, kind: str) -> bool:
        """Return True if this rule applies to the column."""
        if self.types and kind not in self.types:
            return False
        if self.column is not None and not self.column.search(column):
            return False
        return self.table is None or bool(self.table.search(table))


@functools.cache
def load_rules() -> tuple[Rule, ...]:
    """Read the shipped rules once."""
    path = resource_dir("seeds") / "rules.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SeedError(f"cannot read {path}: {exc}", hint="Reinstall devenv.") from exc
    return tuple(
        Rule(
            provider=item["provider"],
            args=dict(item.get("args", {})),
            column=re.compile(item["column"], re.IGNORECASE) if "column" in item else None,
            table=re.compile(item["table"], re.IGNORECASE) if "table" in item else None,
            types=tuple(item.get("types", ())),
            null_fraction=item.get("null_fraction"),
        )
        for item in data.get("rule", [])
    )


def infer(table: str, column: str, pgtype: PgType) -> Rule | None:
    """Return the first rule that matches the column (camelCase names too), or None."""
    kind, table, column = family(pgtype), snake(table), snake(column)
    for rule in load_rules():
        if rule.matches(table, column, kind):
            return rule
    return None
