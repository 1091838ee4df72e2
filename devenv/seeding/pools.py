"""Value pools: built-in word lists, and 65,536-entry lookup tables that rows draw from."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
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


class Table:
    """A draw table: index i (a uint16 draw) maps to raw value raw[i] and binary field enc[i].

    Fields are encoded lazily, once per slot, so a small seed pays only for the slots it draws.
    """

    __slots__ = ("_encode", "enc", "raw")

    def __init__(self, raw: list[Any], encode: Callable[[Any], bytes]) -> None:
        self.raw = raw
        self.enc: list[bytes | None] = [None] * len(raw)
        self._encode = encode

    def fields(self, idx: Sequence[int]) -> list[bytes]:
        """Return the encoded fields of the drawn slots."""
        enc = self.enc
        out = [enc[i] for i in idx]
        if None in out:
            raw, encode = self.raw, self._encode
            for pos, i in enumerate(idx):
                field = enc[i]
                if field is None:
                    field = enc[i] = NULL if raw[i] is None else encode(raw[i])
                out[pos] = field
        return out  # type: ignore[return-value]


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
    raw: list[Any] = [None] * nulls
    if weights is None and len(values) > 0:
        raw.extend((list(values) * (slots // len(values) + 1))[:slots])
    else:
        for value, count in zip(values, _counts(len(values), slots, weights), strict=True):
            raw.extend([value] * count)
    return Table(raw, encode)
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
