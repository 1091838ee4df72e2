"""Key arithmetic: unique values from the row number, and parent rows for foreign keys."""

from __future__ import annotations

import hashlib
import math
from array import array
from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate

from devenv.seeding.gens import ParentMap
from devenv.seeding.rng import BLOCK, LITTLE_ENDIAN, Draws, mix

_VERSION = bytes((b & 0x0F) | 0x40 for b in range(256))
_VARIANT = bytes((b & 0x3F) | 0x80 for b in range(256))
_ODD48 = 0xB5AD4ECEDA1B
_M48 = (1 << 48) - 1


class UuidStream:
    """Version-4-shaped UUIDs for rows, built a block at a time at C speed.

    Bytes 0-9 come from SHAKE-128 keyed by (key, block); bytes 10-15 are a bijection of the row
    number (48 bits), so values are unique for up to 2**48 rows.
    """

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.mult = int.from_bytes(key[:6], "big") | 1
        self.offset = int.from_bytes(key[6:12], "big")
        self._cache: dict[int, bytes] = {}

    def _noise(self, block: int) -> bytes:
        data = self._cache.get(block)
        if data is None:
            if len(self._cache) >= 16:
                self._cache.clear()
            digest = hashlib.shake_128(self.key + block.to_bytes(8, "little")).digest(16 * BLOCK)
            data = self._cache[block] = digest
        return data

    def block(self, start: int, n: int) -> bytes:
        """Return 16 * n bytes: the UUIDs of rows [start, start + n)."""
        first, last = start // BLOCK, (start + n - 1) // BLOCK
        noise = b"".join(self._noise(b) for b in range(first, last + 1))
        offset = (start - first * BLOCK) * 16
        buf = bytearray(noise[offset : offset + 16 * n])
        buf[6::16] = buf[6::16].translate(_VERSION)
        buf[8::16] = buf[8::16].translate(_VARIANT)
        mult = self.mult * _ODD48 & _M48
        first = (start * mult + self.offset) & _M48
        # r * mult + offset for each row r, as one arithmetic progression: only its low 48 bits
        # are used, and below 2**64 (a block of fewer than 2**16 rows) they need no masking.
        if n < 1 << 16:
            tail = array("Q", range(first, first + n * mult, mult))
        else:
            tail = array("Q", [v & _M48 for v in range(first, first + n * mult, mult)])
        if LITTLE_ENDIAN:
            tail.byteswap()
        packed = tail.tobytes()
        for j in range(6):
            buf[10 + j :: 16] = packed[2 + j :: 8]
        return bytes(buf)

    def at(self, row: int) -> bytes:
        """Return one row's UUID."""
        return self.block(row, 1)


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
        u = draws.at(row)
        p = (row // tc) * tp + u % tp
        return p if p < parents else u % parents

    def block(start: int, n: int) -> list[int | None]:
        us = draws.block(start, n)
        out: list[int | None] = []
        row, end = start, start + n
        while row < end:  # a tranche at a time: its first parent is the same for every row
            stop = min(end, (row // tc + 1) * tc)
            base = (row // tc) * tp
            part = us[row - start : stop - start]
            if base + tp <= parents:
                out.extend([base + u % tp for u in part])
            else:  # the last, partial tranche of parents
                out.extend([p if (p := base + u % tp) < parents else u % parents for u in part])
            row = stop
        return out

    return with_nulls(ParentMap(index, block=block), nulls, threshold)


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
    step, offset = coprime(parent_base, key), key % parent_base
    rest = parents - full * parent_base
    tail_step, tail_offset = coprime(rest, key >> 7), (key >> 7) % rest if rest else 0

    def index(row: int) -> int | None:
        tranche = row // child_base if child_base else full
        if tranche < full:
            return tranche * parent_base + ((row % child_base) * step + offset) % parent_base
        extra = row - full * child_base
        return (
            full * parent_base + (extra * tail_step + tail_offset) % rest if extra < rest else None
        )

    def block(start: int, n: int) -> list[int | None]:
        out: list[int | None] = []
        end = start + n
        row = start
        while row < end:  # a tranche at a time
            tranche = row // child_base if child_base else full
            if tranche >= full:
                out.extend(map(index, range(row, end)))
                break
            stop = min(end, (tranche + 1) * child_base)
            base = tranche * parent_base
            out.extend(
                [
                    base + (r * step + offset) % parent_base
                    for r in range(row % child_base, stop - tranche * child_base)
                ]
            )
            row = stop
        return out

    return ParentMap(index, block=block)


def one_to_one_capacity(child_base: int, parent_base: int, parents: int) -> int:
    """Return how many children `one_to_one_map` can give distinct parents."""
    if not 0 < child_base <= parent_base:
        return parents
    full = parents // parent_base
    return full * child_base + parents - full * parent_base


def coprime(n: int, key: int) -> int:
    """Return a multiplier coprime with n, derived from key."""
    if n <= 1:
        return 1
    step = (key % n) | 1
    while math.gcd(step, n) != 1:
        step += 1
    return step


def pair_maps(
    key: int, first: int, second: int, *, apart: bool = False, unordered: bool = False
) -> tuple[ParentMap, ParentMap]:
    """Enumerate distinct (a, b) parent pairs, for unique keys made of two foreign keys.

    `apart`: both point at the same table and a row never pairs a parent with itself (b != a),
    which leaves first * (second - 1) pairs. `unordered` (with `apart`): {a, b} is distinct
    too, as a row's pair is then put in order (CHECK (a < b)): b lies 1 to (second - 1) // 2
    parents after a, round the table, which leaves first * ((second - 1) // 2) pairs.
    """
    ahead = (second - 1) // 2 if unordered else second - 1

    def a(row: int) -> int | None:
        return row % first if first else None

    def b(row: int) -> int | None:
        if not (first and second):
            return None
        step = row // first + mix(key, row % first)
        if apart and ahead > 0:
            return (row % first + 1 + step % ahead) % second
        return step % second

    return ParentMap(a), ParentMap(b)


def apart_map(other: ParentMap, own: ParentMap, parents: int) -> ParentMap:
    """`own`, moved to the next parent where it picks the same one as `other` (CHECK a <> b)."""

    def shift(a: int | None, b: int | None) -> int | None:
        return (b + 1) % parents if a is not None and a == b and parents > 1 else b

    def index(row: int) -> int | None:
        return shift(other.index(row), own.index(row))

    def block(start: int, n: int) -> list[int | None]:
        return list(map(shift, other.indexes(start, n), own.indexes(start, n)))

    return ParentMap(index, block=block)


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
        # A step of one at the row where each parent's run begins (parents without children
        # add theirs at the same row), then a running sum in C: no Python step per row.
        if n <= 0:
            return []
        first, last = bisect_right(cum, start) - 1, bisect_right(cum, start + n - 1) - 1
        steps = [0] * n
        steps[0] = first
        for begin in cum[first + 1 : last + 1]:
            steps[begin - start] += 1
        return list(accumulate(steps))

    return ParentMap(index, block=block)


def ordinal_in_group(cum: array[int]) -> Callable[[int], int]:
    """Return row -> its 1-based position among its parent's children (line numbers)."""
    return lambda row: row - cum[bisect_right(cum, row) - 1] + 1


def shared_maps(
    pick: Draws, parents: list[tuple[Draws, dict[tuple[object, ...], array[int]]]]
) -> list[ParentMap] | None:
    """Parents for foreign keys that share columns: each key of a row gets the same values there.

    Such as tenant_id in the keys (tenant_id, customer_id) and (tenant_id, product_id).
    Each parent table comes grouped by its shared values. A row draws one of the values that
    every parent table has (`pick`), then a parent in each table's group (that key's draws).
    Returns None when no value is in every parent table.
    """
    common = set(parents[0][1]).intersection(*(groups for _, groups in parents[1:]))
    values = sorted(common, key=repr)
    if not values:
        return None
    maps = []
    for draws, groups in parents:
        buckets = [groups[v] for v in values]

        def index(row: int, draws: Draws = draws, buckets: list[array[int]] = buckets) -> int:
            bucket = buckets[pick.at(row) % len(buckets)]
            return bucket[draws.at(row) % len(bucket)]

        def block(
            start: int, n: int, draws: Draws = draws, buckets: list[array[int]] = buckets
        ) -> list[int | None]:
            chosen = [buckets[u % len(buckets)] for u in pick.block(start, n)]
            return [b[u % len(b)] for b, u in zip(chosen, draws.block(start, n), strict=True)]

        maps.append(ParentMap(index, block=block))
    return maps


def with_nulls(base: ParentMap, nulls: Draws | None, threshold: int) -> ParentMap:
    """The same parents, but None for the share of rows whose null draw is below threshold."""
    if nulls is None or threshold <= 0:
        return base

    def index(row: int) -> int | None:
        return None if nulls.at(row) < threshold else base.index(row)

    def block(start: int, n: int) -> list[int | None]:
        parents = base.indexes(start, n)
        draws = nulls.block(start, n)
        return [None if d < threshold else p for p, d in zip(parents, draws, strict=True)]

    return ParentMap(index, block=block)


def round_robin_map(parents: int) -> ParentMap:
    """Rows take the parents in turn: row r has parent r % parents, its (r // parents)-th child.

    Children that must not overlap within their parent (EXCLUDE (room_id WITH =, ...)) are
    then spaced by that ordinal.
    """
    if parents <= 0:
        return ParentMap(lambda row: None)
    return ParentMap(
        lambda row: row % parents,
        block=lambda start, n: [r % parents for r in range(start, start + n)],
    )


def ordered_maps(
    first: ParentMap, second: ParentMap, value: Callable[[int], object]
) -> tuple[ParentMap, ParentMap]:
    """The two parents of a row, in order of their key `value` (CHECK (a < b) between keys)."""

    def ends(a: int | None, b: int | None) -> tuple[int | None, int | None]:
        if a is None or b is None:
            return a, b
        return (a, b) if value(a) <= value(b) else (b, a)  # type: ignore[operator]

    def pick(end: int) -> ParentMap:
        def index(row: int) -> int | None:
            return ends(first.index(row), second.index(row))[end]

        def block(start: int, n: int) -> list[int | None]:
            pairs = map(ends, first.indexes(start, n), second.indexes(start, n))
            return [pair[end] for pair in pairs]

        return ParentMap(index, block=block)

    return pick(0), pick(1)
