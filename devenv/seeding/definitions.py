"""Load and check a project's declarative seed definitions (`seeds/*.toml`)."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from devenv.errors import SeedError
from devenv.resources import resource_dir

KINDS = (
    "provider",
    "choices",
    "range",
    "constant",
    "template",
    "follow",
    "after",
    "default",
    "sql",
    "object",
)
_MODIFIERS = {
    "provider": {"args"},
    "choices": {"weights"},
    "range": set(),
    "constant": set(),
    "template": {"transform"},
    "follow": set(),
    "after": {"min", "max"},
    "default": set(),
    "sql": set(),
    "object": {"bucket", "content_type"},
    "auto": set(),
}
_COMMON = {"null_fraction"}
_TABLE_KEYS = {"rows", "per_parent", "columns"}
_SETTINGS_KEYS = {"schemas", "exclude", "anchor"}
TRANSFORMS = ("lower", "upper", "slug")


def definition_error(source: Path | str, table: str, column: str | None, problem: str) -> SeedError:
    """Build the error for a bad definition, naming the file, the table and the column."""
    where = f"table {table}" + (f", column {column}" if column else "")
    return SeedError(
        f"{source}: {where}: {problem}",
        hint=f"Fix the definition of {table}{'.' + column if column else ''} in {source}, "
        "then run `devenv seed` again.",
    )


@dataclass(frozen=True)
class ColumnDef:
    """How one column is generated, as the project wrote it."""

    source: str
    table: str
    column: str
    kind: str
    spec: dict[str, Any]

    @property
    def null_fraction(self) -> float | None:
        """Return the share of NULLs asked for, if any."""
        value = self.spec.get("null_fraction")
        return None if value is None else float(value)

    def error(self, problem: str) -> SeedError:
        """Build a SeedError about this column's definition."""
        return definition_error(self.source, self.table, self.column, problem)


@dataclass(frozen=True)
class TableDef:
    """Row count, children per parent and column overrides for one table."""

    source: str
    name: str
    rows: int | dict[str, int] | None = None
    per_parent: dict[str, Any] | None = None
    columns: dict[str, ColumnDef] = field(default_factory=dict)

    def error(self, problem: str, column: str | None = None) -> SeedError:
        """Build a SeedError about this table's definition."""
        return definition_error(self.source, self.name, column, problem)


@dataclass(frozen=True)
class Definitions:
    """Every table definition of a project, plus global settings."""

    tables: dict[str, TableDef] = field(default_factory=dict)
    schemas: tuple[str, ...] = ("public",)
    exclude: tuple[str, ...] = ()
    anchor: date | None = None


def load(directory: Path | None) -> Definitions:
    """Read every `*.toml` in `directory` (none when it is None or missing)."""
    if directory is None or not directory.is_dir():
        return Definitions()
    tables: dict[str, TableDef] = {}
    settings: dict[str, Any] = {}
    for path in sorted(directory.glob("*.toml")):
        data = _read(path)
        for key in data:
            if key not in ("tables", "settings"):
                raise SeedError(
                    f"{path}: unknown top-level key {key!r}",
                    hint="Use [settings] and [tables.NAME] sections.",
                )
        settings.update(_settings(path, data.get("settings", {})))
        for name, body in _mapping(path, "tables", data.get("tables", {})).items():
            if name in tables:
                raise definition_error(
                    path, name, None, f"already defined in {tables[name].source}"
                )
            tables[name] = _table(path, name, body)
    return Definitions(
        tables=tables,
        schemas=tuple(settings.get("schemas", ("public",))),
        exclude=tuple(settings.get("exclude", ())),
        anchor=settings.get("anchor"),
    )


@functools.cache
def supabase_defaults() -> dict[str, TableDef]:
    """The shipped definitions for tables of Supabase's own schemas (seeds/supabase.toml)."""
    path = resource_dir("seeds") / "supabase.toml"
    tables = _mapping(path, "tables", _read(path).get("tables", {}))
    return {name: _table(path, name, body) for name, body in tables.items()}


def _read(path: Path) -> dict[str, Any]:
    """Parse one TOML file, naming it in any syntax error."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SeedError(
            f"{path}: invalid TOML: {exc}",
            hint="Fix the syntax error, then run `devenv seed` again.",
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SeedError(
            f"{path}: cannot read it as UTF-8 text: {exc}",
            hint="Seed definitions are UTF-8 TOML files: fix or move that file, then run "
            "`devenv seed` again.",
        ) from exc


def _mapping(path: Path, what: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SeedError(
            f"{path}: {what} must be a table", hint="See the seed definition format in the README."
        )
    return value


def _settings(path: Path, body: Any) -> dict[str, Any]:
    """Check the [settings] section."""
    body = _mapping(path, "settings", body)
    for key in body:
        if key not in _SETTINGS_KEYS:
            raise SeedError(
                f"{path}: settings: unknown key {key!r}; expected one of {sorted(_SETTINGS_KEYS)}",
                hint="Fix [settings].",
            )
    for key in ("schemas", "exclude"):
        if key in body and not (
            isinstance(body[key], list) and all(isinstance(v, str) for v in body[key])
        ):
            raise SeedError(
                f"{path}: settings: {key} must be a list of names", hint="Fix [settings]."
            )
    if "anchor" in body and not isinstance(body["anchor"], date):
        raise SeedError(
            f"{path}: settings: anchor must be a date like 2025-01-01", hint="Fix [settings]."
        )
    return dict(body)


def _table(path: Path, name: str, body: Any) -> TableDef:
    """Check one [tables.NAME] section."""
    if not isinstance(body, dict):
        raise definition_error(path, name, None, "must be a table of settings")
    for key in body:
        if key not in _TABLE_KEYS:
            raise definition_error(
                path, name, None, f"unknown key {key!r}; expected one of {sorted(_TABLE_KEYS)}"
            )
    rows = body.get("rows")
    if rows is not None and not _valid_rows(rows):
        raise definition_error(
            path,
            name,
            None,
            "rows must be a whole number >= 0 or a table like { small = 10, large = 5000 }",
        )
    per_parent = body.get("per_parent")
    if per_parent is not None:
        _check_per_parent(path, name, per_parent)
        if rows is not None:
            raise definition_error(path, name, None, "give either rows or per_parent, not both")
    columns = {col: _column(path, name, col, spec) for col, spec in body.get("columns", {}).items()}
    return TableDef(str(path), name, rows, per_parent, columns)


def _valid_rows(rows: Any) -> bool:
    if isinstance(rows, bool):
        return False
    if isinstance(rows, int):
        return rows >= 0
    return isinstance(rows, dict) and all(
        k in ("small", "medium", "large") and isinstance(v, int) and v >= 0 for k, v in rows.items()
    )


def _check_per_parent(path: Path, name: str, spec: Any) -> None:
    """Check `per_parent = { column = "fk", min = 1, max = 5 }`."""
    ok = (
        isinstance(spec, dict)
        and isinstance(spec.get("column"), str)
        and set(spec) <= {"column", "min", "max"}
    )
    low, high = (spec.get("min", 1), spec.get("max", spec.get("min", 1))) if ok else (0, -1)
    if (
        not ok
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high))
        or not 0 <= low <= high
    ):
        raise definition_error(
            path,
            name,
            None,
            'per_parent must look like { column = "parent_id", min = 1, max = 5 } with 0 <= min '
            "<= max",
        )


def _column(path: Path, table: str, column: str, spec: Any) -> ColumnDef:
    """Check one column override and find its kind."""
    if not isinstance(spec, dict):
        raise definition_error(path, table, column, 'must be a table, e.g. { provider = "city" }')
    kinds = [k for k in KINDS if k in spec]
    if not kinds and spec and set(spec) <= _COMMON:
        kinds = ["auto"]
    if len(kinds) != 1:
        found = ", ".join(kinds) or "none"
        raise definition_error(
            path, table, column, f"give exactly one of {', '.join(KINDS)} (found: {found})"
        )
    kind = kinds[0]
    allowed = {kind} | _MODIFIERS[kind] | _COMMON
    for key in spec:
        if key not in allowed:
            raise definition_error(
                path,
                table,
                column,
                f"unknown key {key!r} for a {kind} column; allowed: {sorted(allowed)}",
            )
    fraction = spec.get("null_fraction")
    if fraction is not None and (
        isinstance(fraction, bool)
        or not isinstance(fraction, int | float)
        or not 0 <= fraction <= 1
    ):
        raise definition_error(path, table, column, "null_fraction must be a number from 0 to 1")
    _check_kind(ColumnDef(str(path), table, column, kind, dict(spec)))
    return ColumnDef(str(path), table, column, kind, dict(spec))


def _check_kind(cdef: ColumnDef) -> None:
    """Check the kind-specific settings (types are checked against the schema later)."""
    spec, kind = cdef.spec, cdef.kind
    if kind == "provider" and (
        not isinstance(spec["provider"], str) or not isinstance(spec.get("args", {}), dict)
    ):
        raise cdef.error(
            "provider must be a name and args a table, e.g. "
            '{ provider = "integer", args = { min = 1, max = 9 } }'
        )
    if kind == "choices":
        _check_choices(cdef)
    if kind == "range" and not (isinstance(spec["range"], list) and len(spec["range"]) == 2):
        raise cdef.error("range must be [low, high]")
    if kind == "template" and not isinstance(spec["template"], str):
        raise cdef.error('template must be a string like "{first_name}.{last_name}"')
    if kind == "template" and spec.get("transform", "lower") not in TRANSFORMS:
        raise cdef.error(f"transform must be one of {', '.join(TRANSFORMS)}")
    if kind == "follow" and not (
        isinstance(spec["follow"], str) and spec["follow"].count(".") == 1
    ):
        raise cdef.error('follow must look like "fk_column.parent_column"')
    if kind == "after" and not isinstance(spec["after"], str):
        raise cdef.error(
            'after must name another column, e.g. { after = "starts_at", min = "15m", max = "2h" }'
        )
    if kind == "default" and spec["default"] is not True:
        raise cdef.error("default must be true (leave the column to the database default)")
    if kind == "sql" and not (isinstance(spec["sql"], str) and spec["sql"].strip()):
        raise cdef.error('sql must be an SQL expression, e.g. { sql = "point(0, 0)" }')
    if kind in ("default", "sql") and "null_fraction" in spec:
        raise cdef.error("the database fills this column: null_fraction does not apply")
    if kind == "object" and spec["object"] is not True:
        raise cdef.error('object must be true, e.g. { object = true, bucket = "documents" }')


def _check_choices(cdef: ColumnDef) -> None:
    """Check `choices = [...]` with optional weights, or `choices = { value = weight }`."""
    choices, weights = cdef.spec["choices"], cdef.spec.get("weights")
    if isinstance(choices, dict):
        if weights is not None:
            raise cdef.error("weights are not allowed when choices is a table of value = weight")
        weights = list(choices.values())
    elif not isinstance(choices, list) or not choices:
        raise cdef.error("choices must be a non-empty list or a table of value = weight")
    if weights is not None:
        count = len(choices)
        if not isinstance(weights, list) or len(weights) != count:
            raise cdef.error(f"weights must be a list of {count} numbers, one per choice")
        if (
            any(isinstance(w, bool) or not isinstance(w, int | float) or w < 0 for w in weights)
            or sum(weights) <= 0
        ):
            raise cdef.error("weights must be numbers >= 0 with a positive sum")
