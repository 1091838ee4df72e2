"""Every generator's block form (the fast path) gives what its row-at-a-time form gives."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from devenv.seeding import definitions
from devenv.seeding.engine import _plan
from devenv.seeding.gens import Block
from devenv.seeding.planning import Plan
from devenv.seeding.stream import ChunkStream, chunk_bytes, tasks
from tests.integration.seeding.conftest import CLINIC
from tests.integration.seeding.support import apply_sql

pytestmark = pytest.mark.integration
HERE = Path(__file__).parent


def plan_of(conninfo: str, defs_dir: Path | None, scale: str) -> Plan:
    with psycopg.connect(conninfo) as conn:
        return _plan(conn, definitions.load(defs_dir), seed=5, scale=scale)


@pytest.mark.parametrize("which", ["clinic", "awkward"])
def test_block_values_equal_row_by_row_values(db: str, which: str) -> None:
    if which == "clinic":
        apply_sql(db, *(p.read_text() for p in sorted((CLINIC / "migrations").glob("*.sql"))))
        plan = plan_of(db, CLINIC / "seeds", "medium")
    else:
        apply_sql(db, (HERE / "awkward.sql").read_text(), (HERE / "wide.sql").read_text())
        plan = plan_of(db, None, "medium")
    checked = 0
    for table in plan.tables:
        # A block big enough for every fast path, across a draw-block edge, away from row 0.
        start = min(1000, table.rows // 3)
        n = min(1500, table.rows - start)
        if n <= 0:
            continue
        blk = Block(table.gens, start, n)
        for name in table.columns:
            gen = table.gens[name]
            try:
                one_by_one = [gen.at(r) for r in range(start, start + n)]
            except NotImplementedError:
                continue
            assert blk.raw(name) == one_by_one, f"{table.name}.{name}"
            fresh = Block(table.gens, start, n)  # enc without raw cached: the encoded fast path
            assert fresh.enc(name) == gen.encode.many(one_by_one), f"{table.name}.{name}"
            checked += 1
    assert checked > 40


def test_worker_chunks_in_shared_memory_equal_local_chunks(clinic_db: str) -> None:
    plan = plan_of(clinic_db, CLINIC / "seeds", "medium")
    expected = [chunk_bytes(plan.tables[i], start, n) for i, start, n in tasks(plan)]
    with ChunkStream(plan, 2) as stream:
        got = [bytes(data) for _, data in stream]
    assert got == expected
    assert len(got) > 5


def test_closing_the_stream_while_a_chunk_is_still_referenced(clinic_db: str) -> None:
    # Ctrl-C in the middle of a COPY leaves the chunk in the traceback's frames.
    plan = plan_of(clinic_db, CLINIC / "seeds", "medium")
    stream = ChunkStream(plan, 2)
    _, chunk = next(stream)
    held = memoryview(chunk)[:10]  # a view derived from the chunk, as a COPY writer may take
    stream.close()
    assert stream.slots is None
    assert stream.pool is None
    assert bytes(held) == chunk_bytes(plan.tables[0], 0, plan.tables[0].rows)[:10]
