"""Turn a plan into binary COPY data, chunk by chunk, in this process or in worker processes."""

from __future__ import annotations

import multiprocessing
import signal
import struct
from collections import deque
from collections.abc import Iterator
from itertools import chain, repeat
from multiprocessing.pool import AsyncResult

from devenv.seeding.gens import Block, PoolGen
from devenv.seeding.planning import Plan, TablePlan

CHUNK = 8192
HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8
TRAILER = b"\xff\xff"
Task = tuple[int, int, int]

_PLAN: Plan | None = None


def chunk_bytes(
    table: TablePlan, start: int, n: int, columns: tuple[str, ...] | None = None
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
    """Workers ignore Ctrl-C: the parent decides, then terminates them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def can_fork() -> bool:
    """Return True where worker processes can inherit the plan (fork start method)."""
    return "fork" in multiprocessing.get_all_start_methods()


def _prefill(plan: Plan) -> None:
    """Encode every draw table once here, so forked workers share the result."""
    for table in plan.tables:
        for gen in table.gens.values():
            if isinstance(gen, PoolGen):
                gen.table.fill()


def stream(plan: Plan, workers: int) -> Iterator[tuple[Task, bytes]]:
    """Yield every chunk in load order; with workers > 1, build chunks ahead in a bounded window."""
    if workers <= 1 or not can_fork():
        for task in tasks(plan):
            index, start, n = task
            yield task, chunk_bytes(plan.tables[index], start, n)
        return
    global _PLAN
    _PLAN = plan
    _prefill(plan)
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(workers, initializer=_quiet_worker) as pool:
            pending: deque[tuple[Task, AsyncResult[bytes]]] = deque()
            todo = tasks(plan)
            for task in todo:
                pending.append((task, pool.apply_async(_work, (task,))))
                if len(pending) >= 2 * workers + 2:
                    break
            while pending:
                task, result = pending.popleft()
                data = result.get()
                following = next(todo, None)
                if following is not None:
                    pending.append((following, pool.apply_async(_work, (following,))))
                yield task, data
    finally:
        _PLAN = None
