"""Key arithmetic: unique values from the row number, and parent rows for foreign keys."""

from __future__ import annotations

import math
from array import array
from bisect import bisect_right
from collections.abc import Callable

from devenv.seeding.gens import ParentMap
from devenv.seeding.rng import M64, mix

M62 = (1 << 62) - 1
_ODD62 = 0x2545F4914F6CDD1D & M62 | 1


def uuid_fn(key: int) -> Callable[[int], bytes]:
    """Return row -> UUID (version 4 layout); the low 62 bits are a bijection of the row, so unique."""

    def at(row: int) -> bytes:
        low = (row * _ODD62 + key) & M62
        low ^= low >> 29
        high = (mix(key, row) & ~0xF000) | 0x4000
        return ((high << 64) | (0b10 << 62) | low).to_bytes(16, "big")

    return at


def _null(key: int, threshold: int, row: int) -> bool:
    return threshold > 0 and (mix(key ^ 0x5A5A5A5A, row) & 0xFFFF) < threshold


def random_map(key: int, child_base: int, parent_base: int, parents: int, threshold: int = 0) -> ParentMap:  # fmt: skip
    """Pick a uniform random parent; row N picks the same parent at every scale.

    Child rows come in tranches of the small-scale child count, each mapped onto the matching
    tranche of parents, so growing both tables by the same factor keeps early rows unchanged.
    """
    if parents <= 0:
        return ParentMap(lambda row: None)

    def index(row: int) -> int | None:
        if _null(key, threshold, row):
            return None
        h = mix(key, row)
        p = (row // child_base) * parent_base + h % parent_base if child_base and parent_base else parents  # fmt: skip
        return p if p < parents else h % parents

    return ParentMap(index)


def self_map(key: int, threshold: int, *, notnull: bool) -> ParentMap:
    """Point each row at an earlier row of the same table (row 0 has none)."""

    def index(row: int) -> int | None:
        if row == 0:
            return None if not notnull else 0
        if not notnull and _null(key, threshold, row):
            return None
        return mix(key, row) % row

    return ParentMap(index)


def one_to_one_map(key: int, child_base: int, parent_base: int, parents: int) -> ParentMap:
    """Give each child a different parent (needs children <= parents)."""
    if 0 < child_base <= parent_base:
        step = _coprime(parent_base, key)
        offset = key % parent_base

        def tranche(row: int) -> int | None:
            p = (row // child_base) * parent_base + ((row % child_base) * step + offset) % parent_base
            return p if p < parents else None

        return ParentMap(tranche)
    step = _coprime(parents, key)
    return ParentMap(lambda row: (row * step + key) % parents if parents else None)


def _coprime(n: int, key: int) -> int:
    """Return a multiplier coprime with n, derived from key."""
    if n <= 1:
        return 1
    step = (key % n) | 1
    while math.gcd(step, n) != 1:
        step += 1
    return step


def pair_maps(key: int, first: int, second: int) -> tuple[ParentMap, ParentMap]:
    """Enumerate distinct (a, b) parent pairs, for unique keys made of two foreign keys."""

    def a(row: int) -> int | None:
        return row % first if first else None

    def b(row: int) -> int | None:
        return (row // first + mix(key, row % first)) % second if first and second else None

    return ParentMap(a), ParentMap(b)


def group_counts(key: int, parents: int, low: int, high: int) -> array[int]:
    """Return cumulative child counts: parent p owns child rows [cum[p], cum[p + 1])."""
    cum = array("q", [0])
    total = 0
    width = high - low + 1
    for p in range(parents):
        total += low + mix(key, p) % width
        cum.append(total)
    return cum


def group_map(cum: array[int]) -> ParentMap:
    """Map child rows to the parent whose run of children contains them."""

    def index(row: int) -> int | None:
        return bisect_right(cum, row) - 1

    def block(start: int, n: int) -> list[int | None]:
        out: list[int | None] = []
        p = bisect_right(cum, start) - 1
        for row in range(start, start + n):
            while cum[p + 1] <= row:
                p += 1
            out.append(p)
        return out

    return ParentMap(index, block=block)


def ordinal_in_group(cum: array[int]) -> Callable[[int], int]:
    """Return row -> its 1-based position among its parent's children (line numbers)."""
    return lambda row: row - cum[bisect_right(cum, row) - 1] + 1


__all__ = ["M64", "group_counts", "group_map", "one_to_one_map", "pair_maps", "random_map", "self_map", "uuid_fn"]  # fmt: skip
