"""Column generators: pure functions of (definition, seed, row index), run a block at a time."""

from __future__ import annotations

import functools
import struct
from collections.abc import Callable, Sequence
from operator import add
from typing import TYPE_CHECKING, Any, cast

from devenv.seeding.pools import Table, pick
from devenv.seeding.rng import Draws
from devenv.seeding.values import NULL, Encoder

if TYPE_CHECKING:
    from devenv.seeding.keys import UuidStream


class Block:
    """Rows [start, start + n) of one table; caches column values for the columns after them."""

    __slots__ = ("_enc", "_memo", "_raw", "gens", "n", "start")

    def __init__(self, gens: dict[str, Gen], start: int, n: int) -> None:
        self.gens = gens
        self.start = start
        self.n = n
        self._raw: dict[str, list[Any]] = {}
        self._enc: dict[str, list[bytes]] = {}
        self._memo: dict[Any, Any] = {}

    @property
    def rows(self) -> range:
        """Return the row indexes of this block."""
        return range(self.start, self.start + self.n)

    def raw(self, column: str) -> list[Any]:
        """Return the raw values of `column` for this block."""
        if column not in self._raw:
            self._raw[column] = self.gens[column].raw(self)
        return self._raw[column]

    def enc(self, column: str) -> list[bytes]:
        """Return the binary COPY fields of `column` for this block."""
        if column not in self._enc:
            self._enc[column] = self.gens[column].enc(self)
        return self._enc[column]

    def memo(self, key: Any, make: Callable[[], Any]) -> Any:
        """Compute something shared by several columns (draws, parent indexes) once per block."""
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]


class Gen:
    """Base generator: subclasses give raw values; encoding follows the column type."""

    def __init__(self, column: str, encode: Encoder) -> None:
        self.column = column
        self.encode = encode

    def raw(self, blk: Block) -> list[Any]:
        """Return raw values for the block's rows."""
        return [self.at(r) for r in blk.rows]

    def enc(self, blk: Block) -> list[bytes]:
        """Return binary fields for the block's rows."""
        return self.encode.many(blk.raw(self.column))

    def at(self, row: int) -> Any:
        """Return the raw value of one row (random access)."""
        raise NotImplementedError(f"{type(self).__name__} has no random access")


class PoolGen(Gen):
    """Draw from a table of TABLE_SIZE slots: one draw per row picks the slot."""

    def __init__(self, column: str, encode: Encoder, table: Table, draws: Draws) -> None:
        super().__init__(column, encode)
        self.table = table
        self.draws = draws

    def _idx(self, blk: Block) -> Sequence[int]:
        return blk.memo(("idx", self.column), lambda: self.draws.block(blk.start, blk.n))  # type: ignore[no-any-return]

    def raw(self, blk: Block) -> list[Any]:
        """Look the draws up in the raw table."""
        return self.table.values(self._idx(blk))

    def enc(self, blk: Block) -> list[bytes]:
        """Look the draws up in the pre-encoded table (the hot path)."""
        return self.table.fields(self._idx(blk))

    def at(self, row: int) -> Any:
        """Return one row's value."""
        return self.table.value(self.draws.at(row))

    def mapped(self, blk: Block, fn: Callable[[Any], Any]) -> list[Any]:
        """Return fn(value) for the block's rows, fn computed once per distinct value."""
        return self.table.mapped(fn, self._idx(blk))


class RowGen(Gen):
    """A value computed from the row index alone (keys, unique values)."""

    def __init__(
        self,
        column: str,
        encode: Encoder,
        fn: Callable[[int], Any],
        *,
        block: Callable[[int, int], list[Any]] | None = None,
        fields: Callable[[int, int], list[bytes]] | None = None,
    ) -> None:
        super().__init__(column, encode)
        self.fn = fn
        self.block = block
        self.fields = fields

    def raw(self, blk: Block) -> list[Any]:
        """Apply fn to each row index (or the block form of fn, when given)."""
        if self.block is not None:
            return self.block(blk.start, blk.n)
        return list(map(self.fn, blk.rows))

    def enc(self, blk: Block) -> list[bytes]:
        """Encode the values, or make the encoded fields directly when a form for that is given."""
        if self.fields is not None and self.column not in blk._raw:
            return self.fields(blk.start, blk.n)
        return super().enc(blk)

    def at(self, row: int) -> Any:
        """Apply fn to one row index."""
        return self.fn(row)


class SeqGen(RowGen):
    """An arithmetic progression of integers: start + row * step (identity values, counters)."""

    def __init__(self, column: str, encode: Encoder, start: int, step: int) -> None:
        super().__init__(column, encode, lambda r: start + r * step)
        self.start = start
        self.step = step

    def raw(self, blk: Block) -> list[Any]:
        """Build the block's values as a range (in C)."""
        first, step = self.start + blk.start * self.step, self.step
        return list(range(first, first + blk.n * step, step)) if step else [first] * blk.n

    def values_at(self, idx: list[int | None]) -> list[Any]:
        """Return the values of the given rows (None stays None)."""
        start, step = self.start, self.step
        if None in idx:
            return [None if p is None else start + p * step for p in idx]
        if step == 1:
            return [p + start for p in idx]  # type: ignore[operator]
        return [start + p * step for p in idx]  # type: ignore[operator]


class UuidGen(Gen):
    """UUID keys: a block of rows is built in a few C-speed passes."""

    _PREFIX = b"\x00\x00\x00\x10"

    def __init__(self, column: str, encode: Encoder, stream: UuidStream) -> None:
        super().__init__(column, encode)
        self.stream = stream

    def raw(self, blk: Block) -> list[Any]:
        """Slice the block's bytes into one 16-byte value per row."""
        return split(self.stream.block(blk.start, blk.n), 16, blk.n)

    def enc(self, blk: Block) -> list[bytes]:
        """Interleave the length prefix, then slice one 20-byte field per row."""
        if self.column in blk._raw:
            return super().enc(blk)
        data, n = self.stream.block(blk.start, blk.n), blk.n
        out = bytearray(20 * n)
        out[3::20] = self._PREFIX[3:] * n
        for j in range(16):
            out[4 + j :: 20] = data[j::16]
        return split(out, 20, n)

    def at(self, row: int) -> Any:
        """Return one row's UUID bytes."""
        return self.stream.at(row)


def split(data: bytes | bytearray, width: int, n: int) -> list[bytes]:
    """Cut `data` into n values of `width` bytes each, in one C call."""
    return list(_splitter(width, n).unpack(data))


@functools.lru_cache(maxsize=16)
def _splitter(width: int, n: int) -> struct.Struct:
    return struct.Struct(f"{width}s" * n)


class ConstGen(Gen):
    """The same value in every row (NULL included)."""

    def __init__(self, column: str, encode: Encoder, value: Any) -> None:
        super().__init__(column, encode)
        self.value = value
        self.field = encode(value)

    def raw(self, blk: Block) -> list[Any]:
        """Repeat the value."""
        return [self.value] * blk.n

    def enc(self, blk: Block) -> list[bytes]:
        """Repeat the encoded value."""
        return [self.field] * blk.n

    def at(self, row: int) -> Any:
        """Return the value."""
        return self.value


class NullableGen(Gen):
    """Replace a fixed share of another generator's values with NULL."""

    def __init__(self, inner: Gen, fraction: float, draws: Draws) -> None:
        super().__init__(inner.column, inner.encode)
        self.inner = inner
        self.threshold = round(fraction * 65536)
        self.draws = draws

    def raw(self, blk: Block) -> list[Any]:
        """Draw, then blank out rows whose draw falls under the threshold."""
        cut = self.threshold
        values = self.inner.raw(blk)
        return [
            None if d < cut else v
            for v, d in zip(values, self.draws.block(blk.start, blk.n), strict=True)
        ]

    def at(self, row: int) -> Any:
        """Return one row's value or None."""
        return None if self.draws.at(row) < self.threshold else self.inner.at(row)


class DerivedGen(Gen):
    """A value computed from other columns of the same row (templates, offsets, object sizes)."""

    def __init__(
        self,
        column: str,
        encode: Encoder,
        inputs: tuple[str, ...],
        fn: Callable[..., Any],
        *,
        gens: dict[str, Gen] | None = None,
        block: Callable[[Block], list[Any] | None] | None = None,
    ) -> None:
        super().__init__(column, encode)
        self.inputs = inputs
        self.fn = fn
        self.gens = gens or {}
        self.block = block

    def raw(self, blk: Block) -> list[Any]:
        """Call fn(row, *inputs) for every row (the block form of fn first, when given)."""
        if self.block is not None:
            values = self.block(blk)
            if values is not None:
                return values
        columns = [blk.raw(c) for c in self.inputs]
        return list(map(self.fn, blk.rows, *columns))

    def at(self, row: int) -> Any:
        """Recompute the inputs of one row, then fn."""
        return self.fn(row, *(self.gens[c].at(row) for c in self.inputs))


class ParentMap:
    """Maps a child row to the index of its parent row (or None), by arithmetic only."""

    def __init__(
        self,
        fn: Callable[[int], int | None],
        *,
        block: Callable[[int, int], list[int | None]] | None = None,
    ) -> None:
        self.index = fn
        self._block = block

    def indexes(self, start: int, n: int) -> list[int | None]:
        """Return parent indexes for rows [start, start + n)."""
        if self._block is not None:
            return self._block(start, n)
        return list(map(self.index, range(start, start + n)))


class ForeignGen(Gen):
    """A foreign key column (or a followed parent column): the parent's value at the mapped row.

    When a block's parents fall in a narrow range (children grouped by parent, one-to-one
    tranches, small parent tables), the parent rows are generated as a block too, which is far
    cheaper than one lookup per row.
    """

    def __init__(
        self,
        column: str,
        encode: Encoder,
        key: str,
        parents: ParentMap,
        value_at: Callable[[int], Any],
        *,
        source: tuple[Callable[[], dict[str, Gen] | None], str] | None = None,
    ) -> None:
        super().__init__(column, encode)
        self.key = key
        self.parents = parents
        self.value_at = value_at
        self.source = source

    def _indexes(self, blk: Block) -> list[int | None]:
        return blk.memo(("fk", self.key), lambda: self.parents.indexes(blk.start, blk.n))  # type: ignore[no-any-return]

    def _parent_block(self, blk: Block) -> tuple[Block, str, list[int | None]] | None:
        """Return (parent block, column, child->parent indexes) when the parents are close together.

        None when there is no parent generator or the parents are spread out.
        """
        if self.source is None:
            return None
        gens, column = self.source[0](), self.source[1]
        idx = self._indexes(blk)
        if gens is None:
            return None
        present = [p for p in idx if p is not None] if None in idx else cast("list[int]", idx)
        if not present:
            return Block(gens, 0, 0), column, idx
        low, high = min(present), max(present)
        if high - low >= 2 * blk.n + 1024:
            return None
        parent: Block = blk.memo(("parent", self.key), lambda: Block(gens, low, high - low + 1))
        return parent, column, idx

    def _progression(self) -> SeqGen | None:
        """Return the parent column's generator when it is plain arithmetic (identity keys)."""
        gens = self.source[0]() if self.source is not None else None
        gen = gens.get(self.source[1]) if gens is not None and self.source is not None else None
        return gen if isinstance(gen, SeqGen) else None

    def raw(self, blk: Block) -> list[Any]:
        """Map rows to parents, then take the parents' values (a block at a time when possible)."""
        seq = self._progression()
        if seq is not None:
            return seq.values_at(self._indexes(blk))
        found = self._parent_block(blk)
        if found is None:
            value_at = self.value_at
            return [None if p is None else value_at(p) for p in self._indexes(blk)]
        parent, column, idx = found
        return _at(parent.raw(column) if parent.n else [], idx, parent.start, None)

    def enc(self, blk: Block) -> list[bytes]:
        """Encode the parent block's values once, then pick each row's field."""
        found = None
        if self.column not in blk._raw and self._progression() is None:
            found = self._parent_block(blk)
        if found is None:
            return super().enc(blk)
        parent, column, idx = found
        if not parent.n:
            return _at([], idx, 0, NULL)
        if parent.gens[column].encode.type_name == self.encode.type_name:
            fields = parent.enc(column)  # the parent's own fast path, e.g. a followed key
        else:
            fields = blk.memo(("parent-enc", self.key, column, id(self.encode)),
                              lambda: self.encode.many(parent.raw(column)))  # fmt: skip
        return _at(fields, idx, parent.start, NULL)

    def at(self, row: int) -> Any:
        """Return one row's value."""
        parent = self.parents.index(row)
        return None if parent is None else self.value_at(parent)


def _at(values: Sequence[Any], idx: list[int | None], low: int, null: Any) -> list[Any]:
    """Return values[p - low] for each p of idx (`null` where p is None)."""
    if None in idx:
        return [null if p is None else values[p - low] for p in idx]
    return pick(values, [p - low for p in idx] if low else idx)  # type: ignore[operator, arg-type]


class OffsetGen(Gen):
    """A value after another column of the same row: base + a drawn step count (CHECK a < b).

    Draws of `draws.bits` bits spread over the span of steps; few steps need few bits, and a
    small table of every draw's step stays in the CPU cache.
    """

    def __init__(
        self,
        column: str,
        encode: Encoder,
        base: Gen,
        low: int,
        high: int,
        unit: Any,
        draws: Draws,
        *,
        ceiling: int | None = None,
    ) -> None:
        super().__init__(column, encode)
        # Values must stay below `ceiling` (a time of day): one that would not lands halfway
        # between its base and the ceiling instead.
        self.ceiling = ceiling
        self.base = base
        self.low = low
        self.span = high - low + 1
        self.unit = unit
        self.draws = draws
        self.bits = draws.bits
        self._steps: list[Any] | None = None

    def raw(self, blk: Block) -> list[Any]:
        """Add a drawn offset to each base value (NULL stays NULL)."""
        low, span, unit, bits = self.low, self.span, self.unit, self.bits
        draws = self.draws.block(blk.start, blk.n)
        base = blk.raw(self.base.column)
        if self.ceiling is not None:
            steps = ((low + (d * span >> bits)) * unit for d in draws)
            return list(map(self._below, base, steps))
        if blk.n < 512 or None in base:
            return [
                None if b is None else b + (low + (d * span >> bits)) * unit
                for b, d in zip(base, draws, strict=True)
            ]
        if self._steps is None:  # the step of every possible draw, made once
            self._steps = [(low + (d * span >> bits)) * unit for d in range(1 << bits)]
        return list(map(add, base, pick(self._steps, draws)))

    def at(self, row: int) -> Any:
        """Return one row's value."""
        b = self.base.at(row)
        return self._below(
            b, (self.low + (self.draws.at(row) * self.span >> self.bits)) * self.unit
        )

    def _below(self, base: Any, step: Any) -> Any:
        """Return base + step, kept below the ceiling if any (NULL stays NULL)."""
        if base is None:
            return None
        value = base + step
        if self.ceiling is not None and value >= self.ceiling:
            return base + max(1, (self.ceiling - base) // 2)
        return value
