"""Value pools: built-in word lists, and 4,096-slot lookup tables that rows draw from."""

from __future__ import annotations

import functools
from array import array
from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter
from typing import Any

from devenv.resources import resource_dir
from devenv.seeding.values import NULL

# A draw table has 2**SLOT_BITS slots; a row's draw (Draws with bits=SLOT_BITS) picks one.
# Small enough to stay in the CPU cache while a block of rows looks its slots up.
SLOT_BITS = 12
TABLE_SIZE = 1 << SLOT_BITS


def pick(items: Sequence[Any], idx: Sequence[int]) -> list[Any]:
    """Return [items[i] for i in idx], looked up in C (itemgetter) rather than in a Python loop."""
    if len(idx) > 1:
        return list(itemgetter(*idx)(items))
    return [items[i] for i in idx]


def _same(value: Any) -> Any:
    return value


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
    """A draw table: each of its TABLE_SIZE slots holds one of a few distinct values.

    Each distinct value is encoded once, lazily, so a small seed pays only for what it draws;
    slots are stored compactly so many tables stay cheap in memory.
    """

    __slots__ = ("_encode", "_encoded", "_mapped", "_missing", "_slot", "_values", "enc")

    def __init__(
        self, values: list[Any], slots: Sequence[int], encode: Callable[[Any], bytes]
    ) -> None:
        self._values = values
        self._slot = array("H" if len(values) <= 65536 else "I", slots)
        self._encoded: list[bytes | None] = [None] * len(values)
        # The encoded field of every slot, filled as slots are drawn (or all at once by `fill`).
        self.enc: list[bytes | None] = [None] * len(self._slot)
        self._missing = len(self._slot)
        self._encode = encode
        self._mapped: dict[Callable[[Any], Any], list[Any]] = {}

    def distinct(self) -> list[Any]:
        """Return the table's distinct values (None among them when it draws NULLs)."""
        return list(self._values)

    def values(self, idx: Sequence[int]) -> list[Any]:
        """Return the raw values of the drawn slots."""
        if len(idx) < 512:
            values, slot = self._values, self._slot
            return [values[slot[i]] for i in idx]
        return self.mapped(_same, idx)

    def mapped(self, fn: Callable[[Any], Any], idx: Sequence[int]) -> list[Any]:
        """Return fn(value) of the drawn slots; fn runs once per distinct value, then is cached."""
        by_slot = self._mapped.get(fn)
        if by_slot is None:
            distinct = [None if v is None else fn(v) for v in self._values]
            by_slot = self._mapped[fn] = [distinct[v] for v in self._slot]
        return pick(by_slot, idx)

    def value(self, i: int) -> Any:
        """Return the raw value of one slot."""
        return self._values[self._slot[i]]

    def fields(self, idx: Sequence[int]) -> list[bytes]:
        """Return the encoded fields of the drawn slots."""
        if self._missing:
            if len(idx) < 512:
                self._fill(set(idx))
            else:
                self.fill()
        return pick(self.enc, idx)

    def fill(self) -> None:
        """Encode every slot now (before worker processes fork, so they share the work)."""
        if self._missing:
            self._fill(range(len(self.enc)))

    def _fill(self, slots: Iterable[int]) -> None:
        encoded, values, slot_of, encode, enc = (
            self._encoded, self._values, self._slot, self._encode, self.enc,
        )  # fmt: skip
        for i in slots:
            if enc[i] is not None:
                continue
            v = slot_of[i]
            field = encoded[v]
            if field is None:
                value = values[v]
                field = encoded[v] = NULL if value is None else encode(value)
            enc[i] = field
            self._missing -= 1


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
    distinct = [None, *values]
    index: list[int] = [0] * nulls
    if weights is None and len(values) > 0:
        index.extend((list(range(1, len(values) + 1)) * (slots // len(values) + 1))[:slots])
    else:
        for i, count in enumerate(_counts(len(values), slots, weights)):
            index.extend([i + 1] * count)
    return Table(distinct, index, encode)


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
    for i in range(n if n <= slots else 0):
        if counts[i] == 0 and shares[i] > 0:
            counts[counts.index(max(counts))] -= 1
            counts[i] = 1
    return counts
