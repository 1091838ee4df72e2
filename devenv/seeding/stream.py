"""Turn a plan into binary COPY data, chunk by chunk, in this process or in worker processes."""

from __future__ import annotations

import contextlib
import functools
import mmap
import multiprocessing
import os
import signal
import struct
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import chain, repeat
from multiprocessing.pool import AsyncResult
from typing import Any

from devenv.seeding.gens import Block, PoolGen
from devenv.seeding.planning import Plan, TablePlan

CHUNK = 8192
# Chunks built ahead of the COPY (1-2 MB each): enough to keep workers busy while the
# server rebuilds a table's indexes, small enough to keep memory flat.
AHEAD = 8
# Workers hand chunks over in a shared memory slot each (no pickling, no pipe); a chunk that
# does not fit travels the ordinary way. Only the pages a chunk touches become resident.
SLOT = 4 << 20
HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8
TRAILER = b"\xff\xff"
Task = tuple[int, int, int]

_PLAN: Plan | None = None
_SLOTS: mmap.mmap | None = None


def chunk_bytes(
    table: TablePlan, start: int, n: int, *, columns: tuple[str, ...] | None = None
) -> bytes:
    """Return the binary COPY rows [start, start + n) of a table (no header or trailer)."""
    names = table.columns if columns is None else columns
    blk = Block(table.gens, start, n)
    heads, packed = _heads(blk, names)
    fields = [blk.enc(c) for c in names[packed:]]
    return b"".join(chain.from_iterable(zip(heads, *fields, strict=True)))


def _heads(blk: Block, names: tuple[str, ...]) -> tuple[list[bytes], int]:
    """Return each row's field count with its leading fixed-width fields packed in one struct.

    The leading columns with a fixed-width type and no NULL in this block are packed together
    (one call per row instead of one field per column). Returns (per-row bytes, columns packed).
    """
    codes, sizes, values = ["!h"], [], []
    for name in names:
        fixed = blk.gens[name].encode.fixed
        if fixed is None:
            break
        raw = blk.raw(name)
        if None in raw:
            break
        codes.append("i" + fixed[0])
        sizes.append(fixed[1])
        values.append(raw)
    if not values:
        return [struct.pack("!h", len(names))] * blk.n, 0
    pack = _struct("".join(codes)).pack
    args: list[Iterable[Any]] = [repeat(len(names))]
    for size, raw in zip(sizes, values, strict=True):
        args += [repeat(size), raw]
    return list(map(pack, *args)), len(values)


@functools.cache
def _struct(fmt: str) -> struct.Struct:
    return struct.Struct(fmt)


def tasks(plan: Plan) -> Iterator[Task]:
    """Yield (table index, first row, row count) for every chunk, in load order."""
    for index, table in enumerate(plan.tables):
        for start in range(0, table.rows, CHUNK):
            yield index, start, min(CHUNK, table.rows - start)


def _work(task: Task, slot: int) -> int | bytes:
    """Worker side: build one chunk from the plan inherited at fork, into its shared slot.

    Returns the chunk's length, or the chunk itself when it is larger than a slot.
    """
    assert _PLAN is not None
    assert _SLOTS is not None
    index, start, n = task
    data = chunk_bytes(_PLAN.tables[index], start, n)
    if len(data) > SLOT:
        return data
    _SLOTS[slot * SLOT : slot * SLOT + len(data)] = data
    return len(data)


def _quiet_worker() -> None:
    """Workers ignore Ctrl-C (the parent decides) and yield the CPU to the database backend."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The single COPY backend is the critical path; generators only need to stay ahead of it.
    os.nice(5)


def can_fork() -> bool:
    """Return True where worker processes can inherit the plan (fork start method)."""
    return "fork" in multiprocessing.get_all_start_methods()


def fork_context() -> Any:
    """The fork start method, with standard output flushed (a child would repeat what is left)."""
    sys.stdout.flush()
    sys.stderr.flush()
    return multiprocessing.get_context("fork")


def _prefill(plan: Plan) -> None:
    """Encode every draw table once here, so forked workers share the result."""
    for table in plan.tables:
        for gen in table.gens.values():
            if isinstance(gen, PoolGen):
                gen.table.fill()


class ChunkStream:
    """Every chunk in load order; with workers > 1, chunks are built ahead in worker processes.

    Workers start as soon as the stream is created, so they generate while the caller truncates
    tables and sets keys aside. With workers, a chunk is a view of shared memory that stays
    valid until the next chunk is taken. Use as a context manager: leaving it stops the workers.
    """

    def __init__(self, plan: Plan, workers: int) -> None:
        self.plan = plan
        self.todo = tasks(plan)
        self.pending: deque[tuple[Task, int, AsyncResult[int | bytes]]] = deque()
        self.pool: Any = None
        self.slots: mmap.mmap | None = None
        self.lent: tuple[int, memoryview] | None = None
        if workers > 1 and can_fork():
            global _PLAN, _SLOTS
            _PLAN = plan
            _prefill(plan)
            # Anonymous shared mapping: forked workers write into it, this process reads.
            self.slots = _SLOTS = mmap.mmap(-1, SLOT * AHEAD)
            self.pool = fork_context().Pool(workers, initializer=_quiet_worker)
            for slot in range(AHEAD):
                self._submit(slot)

    def _submit(self, slot: int) -> None:
        task = next(self.todo, None)
        if task is not None:
            self.pending.append((task, slot, self.pool.apply_async(_work, (task, slot))))

    def _give_back(self) -> None:
        """The previous chunk's slot is free again: build the next chunk in it."""
        if self.lent is not None:
            slot, view = self.lent
            view.release()
            self.lent = None
            self._submit(slot)

    def __iter__(self) -> Iterator[tuple[Task, bytes | memoryview]]:
        return self

    def __next__(self) -> tuple[Task, bytes | memoryview]:
        if self.pool is None:
            index, start, n = task = next(self.todo)
            return task, chunk_bytes(self.plan.tables[index], start, n)
        self._give_back()
        if not self.pending:
            raise StopIteration
        task, slot, result = self.pending.popleft()
        got = result.get()
        if isinstance(got, bytes):
            self._submit(slot)
            return task, got
        assert self.slots is not None
        view = memoryview(self.slots)[slot * SLOT : slot * SLOT + got]
        self.lent = (slot, view)
        return task, view

    def __enter__(self) -> ChunkStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers (terminating any chunk still being built)."""
        global _PLAN, _SLOTS
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None
        if self.lent is not None:
            self.lent[1].release()
            self.lent = None
        if self.slots is not None:
            # An interrupted COPY's traceback may still hold a view of the last chunk: then
            # the mapping is unmapped when that view goes.
            with contextlib.suppress(BufferError):
                self.slots.close()
            self.slots = None
        _PLAN = _SLOTS = None
