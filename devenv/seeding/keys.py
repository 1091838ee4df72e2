"""Key arithmetic: unique values from the row number, and parent rows for foreign keys."""

from __future__ import annotations

import math
from array import array
from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate

from devenv.seeding.gens import ParentMap
from devenv.seeding.rng import M64, Draws, mix

M62 = (1 << 62) - 1
_ODD62 = 0x2545F4914F6CDD1D & M62 | 1
_ODD64 = 0xD6E8FEB86659FD93
_VARIANT = 0b10 << 62
_FIELD = 16 << 128


def _uuid_int(key: int, row: int) -> int:
    """Return a version-4-shaped UUID as an int; the low 62 bits are a bijection of the row."""
    low = (row * _ODD62 + key) & M62
    low ^= low >> 29
    high = (row * _ODD64 + (key >> 3)) & M64
    high ^= high >> 31
    return ((high & ~0xF000 | 0x4000) << 64) | _VARIANT | low


def uuid_fn(key: int) -> Callable[[int], bytes]:
    """Return row -> 16 UUID bytes, unique per row."""
    return lambda row: _uuid_int(key, row).to_bytes(16, "big")


def uuid_field_fn(key: int) -> Callable[[int], bytes]:
    """Return row -> the same UUID as a binary COPY field (length prefix included)."""
    return lambda row: (_FIELD | _uuid_int(key, row)).to_bytes(20, "big")


def random_map(
    draws: Draws, nulls: Draws | None, threshold: int, tranche: tuple[int, int], parents: int
) -> ParentMap:
    """Pick a uniform random parent; row N picks the same parent at every scale.

    Child rows come in tranches of the small-scale child count, each mapped onto the matching
    tranche of parents, so growing both tables by the same factor keeps early rows unchanged.
    """
    tc, tp = tranche
    if parents <= 0:
        return ParentMap(lambda row: None)
    if not (tc and tp):
        tc, tp = 1 << 62, parents

    def index(row: int) -> int | None:
        if nulls is not None and nulls.at(row) < threshold:
            return None
        u = draws.at(row)
        p = (row // tc) * tp + u % tp
        return p if p < parents else u % parents

    def block(start: int, n: int) -> list[int | None]:
        us = draws.block(start, n)
        out: list[int | None] = [
            p if p < parents else u % parents
            for p, u in zip(
                [(r // tc) * tp + u % tp for r, u in zip(range(start, start + n), us, strict=True)],
                us,
                strict=True,
            )
        ]
        if nulls is not None and threshold > 0:
            return [
                None if d < threshold else p
                for p, d in zip(out, nulls.block(start, n), strict=True)
            ]
        return out

    return ParentMap(index, block=block)


def self_map(draws: Draws, nulls: Draws | None, threshold: int) -> ParentMap:
    """Point each row at an earlier row of the same table (row 0 has none, unless NOT NULL)."""

    def index(row: int) -> int | None:
        if row == 0:
            return None if nulls is not None else 0
        if nulls is not None and nulls.at(row) < threshold:
            return None
        return draws.at(row) % row

    return ParentMap(index)


def one_to_one_map(key: int, child_base: int, parent_base: int, parents: int) -> ParentMap:
    """Give each child a different parent (children <= one_to_one_capacity).

    Whole tranches of children map into whole tranches of parents (stable across scales); the
    children past the last whole parent tranche share out the parents that remain.
    """
    if not 0 < child_base <= parent_base:
        child_base, parent_base = 0, 1
    full = parents // parent_base if child_base else 0
    step, offset = _coprime(parent_base, key), key % parent_base
    rest = parents - full * parent_base
    tail_step, tail_offset = _coprime(rest, key >> 7), (key >> 7) % rest if rest else 0

    def index(row: int) -> int | None:
        tranche = row // child_base if child_base else full
        if tranche < full:
            return tranche * parent_base + ((row % child_base) * step + offset) % parent_base
        extra = row - full * child_base
        return (
            full * parent_base + (extra * tail_step + tail_offset) % rest if extra < rest else None
        )

    return ParentMap(index)


def one_to_one_capacity(child_base: int, parent_base: int, parents: int) -> int:
    """Return how many children `one_to_one_map` can give distinct parents."""
    if not 0 < child_base <= parent_base:
        return parents
    full = parents // parent_base
    return full * child_base + parents - full * parent_base


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


def group_counts(draws: Draws, parents: int, low: int, high: int) -> array[int]:
    """Return cumulative child counts: parent p owns child rows [cum[p], cum[p + 1])."""
    width = high - low + 1
    counts = [low + u % width for u in draws.block(0, parents)] if parents else []
    return array("q", accumulate(counts, initial=0))


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
