"""Turn a plan into binary COPY data, chunk by chunk, in this process or in worker processes."""

from __future__ import annotations

import multiprocessing
import os
import signal
import struct
from collections import deque
from collections.abc import Iterator
from itertools import chain, islice, repeat
from multiprocessing.pool import AsyncResult
from typing import Any

from devenv.seeding.gens import Block, PoolGen
from devenv.seeding.planning import Plan, TablePlan

CHUNK = 8192
# Chunks built ahead of the COPY (about 1 MB each): enough to keep workers busy while the
# server rebuilds a table's indexes, small enough to keep memory flat.
AHEAD = 32
HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8
TRAILER = b"\xff\xff"
Task = tuple[int, int, int]

_PLAN: Plan | None = None


def chunk_bytes(
    table: TablePlan, start: int, n: int, *, columns: tuple[str, ...] | None = None
) -> bytes:
    """Return the binary COPY rows [start, start + n) of a table (no header or trailer)."""
    names = table.columns if columns is None else columns
    blk = Block(table.gens, start, n)
    fields = [blk.enc(c) for c in names]
    head = struct.pack("!h", len(names))
    return b"".join(chain.from_iterable(zip(repeat(head, n), *fields, strict=True)))


def tasks(plan: Plan) -> Iterator[Task]:
    """Yield (table index, first row, row count) for every chunk, in load order."""
    for index, table in enumerate(plan.tables):
        for start in range(0, table.rows, CHUNK):
            yield index, start, min(CHUNK, table.rows - start)


def _work(task: Task) -> bytes:
    """Worker side: build one chunk from the plan inherited at fork."""
    assert _PLAN is not None
    index, start, n = task
    return chunk_bytes(_PLAN.tables[index], start, n)


def _quiet_worker() -> None:
    """Workers ignore Ctrl-C (the parent decides) and yield the CPU to the database backend."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The single COPY backend is the critical path; generators only need to stay ahead of it.
    os.nice(5)


def can_fork() -> bool:
    """Return True where worker processes can inherit the plan (fork start method)."""
    return "fork" in multiprocessing.get_all_start_methods()


def _prefill(plan: Plan) -> None:
    """Encode every draw table once here, so forked workers share the result."""
    for table in plan.tables:
        for gen in table.gens.values():
            if isinstance(gen, PoolGen):
                gen.table.fill()


class ChunkStream:
    """Every chunk in load order; with workers > 1, chunks are built ahead in worker processes.

    Workers start as soon as the stream is created, so they generate while the caller truncates
    tables and sets keys aside. Use as a context manager: leaving it stops the workers.
    """

    def __init__(self, plan: Plan, workers: int) -> None:
        self.plan = plan
        self.todo = tasks(plan)
        self.pending: deque[tuple[Task, AsyncResult[bytes]]] = deque()
        self.pool: Any = None
        if workers > 1 and can_fork():
            global _PLAN
            _PLAN = plan
            _prefill(plan)
            self.pool = multiprocessing.get_context("fork").Pool(workers, initializer=_quiet_worker)
            for task in islice(self.todo, AHEAD):
                self.pending.append((task, self.pool.apply_async(_work, (task,))))

    def __iter__(self) -> Iterator[tuple[Task, bytes]]:
        return self

    def __next__(self) -> tuple[Task, bytes]:
        if self.pool is None:
            index, start, n = task = next(self.todo)
            return task, chunk_bytes(self.plan.tables[index], start, n)
        if not self.pending:
            raise StopIteration
        task, result = self.pending.popleft()
        data = result.get()
        following = next(self.todo, None)
        if following is not None:
            self.pending.append((following, self.pool.apply_async(_work, (following,))))
        return task, data

    def __enter__(self) -> ChunkStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers (terminating any chunk still being built)."""
        global _PLAN
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None
        _PLAN = None
