"""Value pools: built-in word lists, and 65,536-entry lookup tables that rows draw from."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from devenv.resources import resource_dir
from devenv.seeding.values import NULL

TABLE_SIZE = 65536


@functools.cache
def words(name: str) -> tuple[str, ...]:
    """Return the lines of the shipped pool `seeds/pools/<name>.txt`."""
    path = resource_dir("seeds") / "pools" / f"{name}.txt"
    return tuple(line for line in path.read_text(encoding="utf-8").splitlines() if line)


@functools.cache
def pairs(name: str) -> tuple[tuple[str, str], ...]:
    """Return `CODE<TAB>Name` pools as (code, name) pairs."""
    return tuple((code, label) for code, label in (line.split("\t", 1) for line in words(name)))


@dataclass(frozen=True)
class Table:
    """A draw table: index i (a uint16 draw) maps to raw value raw[i] and binary field enc[i]."""

    raw: list[Any]
    enc: list[bytes]


def build_table(
    values: Sequence[Any],
    encode: Callable[[Any], bytes],
    *,
    weights: Sequence[float] | None = None,
    null_fraction: float = 0.0,
) -> Table:
    """Spread values over TABLE_SIZE slots in proportion to their weights, with a share of NULLs."""
    nulls = round(TABLE_SIZE * null_fraction)
    slots = TABLE_SIZE - nulls
    counts = _counts(len(values), slots, weights)
    encoded = [encode(v) for v in values]
    raw: list[Any] = [None] * nulls
    enc: list[bytes] = [NULL] * nulls
    if weights is None and len(values) > 0:
        reps = slots // len(values) + 1
        raw.extend((list(values) * reps)[:slots])
        enc.extend((encoded * reps)[:slots])
    else:
        for value, field, count in zip(values, encoded, counts, strict=True):
            raw.extend([value] * count)
            enc.extend([field] * count)
    return Table(raw, enc)


def _counts(n: int, slots: int, weights: Sequence[float] | None) -> list[int]:
    """Split `slots` into n integer counts proportional to `weights` (largest remainder)."""
    if n == 0:
        return []
    shares = [float(w) for w in weights] if weights is not None else [1.0] * n
    total = sum(shares)
    exact = [s * slots / total for s in shares]
    counts = [int(x) for x in exact]
    order = sorted(range(n), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in order[: slots - sum(counts)]:
        counts[i] += 1
    return counts
