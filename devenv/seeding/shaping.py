"""Fit a provider's values to a column: convert kinds, apply CHECK rules, lengths and precision."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from devenv.seeding.checks import ColumnRules
from devenv.seeding.model import PgType
from devenv.seeding.providers import Made, spread
from devenv.seeding.rules import family
from devenv.seeding.values import DAY_US, INT_LIMITS, coerce, display

_NUMERIC = {"int", "decimal", "float"}


class Misfit(ValueError):
    """A provider's values cannot be used for this column."""


def adapt(made: Made, pgtype: PgType) -> list[Any]:
    """Convert a provider's values to the raw form of `pgtype`, or raise Misfit."""
    kind, target = made.kind, family(pgtype)
    if pgtype.base == "enum":
        target = "text"
    if kind == target or (kind == "interval" and target == "interval"):
        return list(made.values)
    if target == "text":
        return [v if isinstance(v, str) else _as_text(v, kind) for v in made.values]
    if target == "json":
        return list(made.values)
    if kind in _NUMERIC and target in _NUMERIC:
        converters: dict[str, Callable[[Any], Any]] = {
            "int": round,
            "decimal": lambda v: Decimal(str(v)),
            "float": float,
        }
        convert = converters[target]
        return [convert(v) for v in made.values]
    if kind == "date" and target == "timestamp":
        return [v * DAY_US + 9 * 3_600_000_000 for v in made.values]
    if kind == "timestamp" and target == "date":
        return [v // DAY_US for v in made.values]
    if kind == "text" and target == "inet":
        return list(made.values)
    if kind == "text" and target == "tsvector":
        return list(made.values)
    if kind == "text" and target == "bytea":
        return [str(v).encode() for v in made.values]
    raise Misfit(f"provider values are {kind}, column type is {pgtype.name}")


def _as_text(value: Any, kind: str) -> str:
    if kind == "json":
        return json.dumps(value, sort_keys=True)
    if kind == "date":
        return display(value, PgType(0, "date", "date"))
    if kind == "timestamp":
        return display(value, PgType(0, "timestamptz", "timestamptz"))
    return str(value)


def bounds(rules: ColumnRules, pgtype: PgType) -> tuple[Any, Any]:
    """Return inclusive (low, high) raw bounds from CHECKs, type limits and numeric precision."""
    low = high = None
    step: Any = 1
    kind = family(pgtype)
    if kind == "decimal":
        scale = (pgtype.numeric_precision or (0, 2))[1]
        step = Decimal(1).scaleb(-scale)
    if rules.lower is not None:
        low = coerce(rules.lower[0], pgtype)
        low = low if rules.lower[1] or kind == "float" else low + step
    if rules.upper is not None:
        high = coerce(rules.upper[0], pgtype)
        high = high if rules.upper[1] or kind == "float" else high - step
    if pgtype.base in INT_LIMITS:
        limit = INT_LIMITS[pgtype.base]
        low = -limit if low is None else max(low, -limit)
        high = limit if high is None else min(high, limit)
    precision = pgtype.numeric_precision
    if precision:
        top = Decimal(10) ** (precision[0] - precision[1]) - step
        low = -top if low is None else max(low, -top)
        high = top if high is None else min(high, top)
    return low, high


def fit(
    values: list[Any], weights: list[float] | None, rules: ColumnRules, pgtype: PgType
) -> tuple[list[Any], list[float] | None]:
    """Keep the values the column accepts (truncating text, rounding numerics); drop the rest."""
    kind = family(pgtype)
    low, high = bounds(rules, pgtype)
    precision = pgtype.numeric_precision
    plain = rules.choices is None and not rules.excluded and pgtype.base != "enum"
    plain = plain and not rules.patterns
    if (
        plain
        and kind in ("int", "date", "timestamp", "time", "interval", "float")
        and weights is None
    ):
        return [
            v
            for v in values
            if v is not None and (low is None or v >= low) and (high is None or v <= high)
        ], None
    longest = _max_length(rules, pgtype)
    allowed = set(pgtype.labels) if pgtype.base == "enum" else None
    if rules.choices is not None:
        allowed = set(rules.choices) if allowed is None else allowed & set(rules.choices)
    # With no rule beyond NOT NULL (and a length to cut to), only NULLs are dropped.
    unruled = allowed is None and low is None and high is None
    unruled = unruled and not (rules.excluded or rules.min_length or rules.patterns)
    kept: list[Any] = []
    kept_weights: list[float] = []
    for i, value in enumerate(values):
        if precision and isinstance(value, Decimal):
            value = value.quantize(Decimal(1).scaleb(-precision[1]))
        if kind == "text" and longest is not None and isinstance(value, str):
            value = value[:longest]
        if value is None if unruled else not _accepts(value, low, high, allowed, rules, pgtype):
            continue
        kept.append(value)
        kept_weights.append(1.0 if weights is None else weights[i])
    return kept, (kept_weights if weights is not None else None)


def _accepts(
    value: Any, low: Any, high: Any, allowed: set[str] | None, rules: ColumnRules, pgtype: PgType
) -> bool:
    """Return True when a (non-null) value satisfies every rule."""
    if value is None:
        return False
    if allowed is not None and display(value, pgtype) not in allowed and str(value) not in allowed:
        return False
    if rules.excluded and display(value, pgtype) in rules.excluded:
        return False
    if isinstance(value, str) and rules.min_length and len(value) < rules.min_length:
        return False
    if isinstance(value, str) and not all(re.search(p, value) for p in rules.patterns):
        return False
    if isinstance(value, str) and not value and "" in rules.excluded:
        return False
    comparable = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    if comparable and low is not None and value < low:
        return False
    return not (comparable and high is not None and value > high)


def _max_length(rules: ColumnRules, pgtype: PgType) -> int | None:
    limits = [n for n in (rules.max_length, pgtype.max_length) if n is not None]
    return min(limits) if limits else None


def range_values(low: Any, high: Any, pgtype: PgType, rnd: random.Random) -> list[Any]:
    """Spread values evenly over [low, high] for numeric and temporal columns."""
    kind = family(pgtype)
    if kind == "decimal":
        scale = (pgtype.numeric_precision or (0, 2))[1]
        ints = spread(int(Decimal(low).scaleb(scale)), int(Decimal(high).scaleb(scale)), rnd)
        return [Decimal(v).scaleb(-scale) for v in ints]
    if kind == "float":
        return [float(low) + (float(high) - float(low)) * i / 4095 for i in range(4096)]
    if kind == "timestamp":
        second = 1_000_000
        return [v // second * second for v in spread(int(low), int(high), rnd)]
    return spread(int(low), int(high), rnd)


def max_length(rules: ColumnRules, pgtype: PgType) -> int | None:
    """Return the longest text the column accepts (varchar(n), length CHECKs)."""
    return _max_length(rules, pgtype)
