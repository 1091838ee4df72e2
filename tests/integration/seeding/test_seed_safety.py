"""Atomic replacement: an error or Ctrl-C mid-seed leaves the previous data and schema."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import psycopg
import pytest

from devenv.errors import SeedError
from devenv.seeding import run_seed
from tests.integration.seeding.conftest import CLINIC
from tests.integration.seeding.support import data_dump

pytestmark = pytest.mark.integration
DEFS = CLINIC / "seeds"
SCHEMA = (
    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = "
    "'public'::regnamespace"
    " UNION ALL SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY "
    "1, 2"
)


def snapshot(conninfo: str) -> tuple[str, list[tuple[object, ...]]]:
    with psycopg.connect(conninfo) as conn:
        return data_dump(conninfo), conn.execute(SCHEMA).fetchall()


class Boom(Exception):
    pass


@pytest.mark.parametrize(("scale", "workers"), [("small", 1), ("medium", 2)])
def test_failure_mid_seed_rolls_everything_back(clinic_db: str, scale: str, workers: int) -> None:
    run_seed(clinic_db, definitions_dir=DEFS, scale="small", seed=1)
    before = snapshot(clinic_db)

    def explode(table: str, done: int, total: int) -> None:
        if table.endswith("appointments"):
            raise Boom(table)

    with pytest.raises(Boom):
        run_seed(
            clinic_db, definitions_dir=DEFS, scale=scale, seed=2, workers=workers, progress=explode
        )
    assert snapshot(clinic_db) == before


def test_a_constraint_the_engine_cannot_see_fails_cleanly(clinic_db: str) -> None:
    """A trigger rejects rows: the seed raises SeedError naming the table and changes nothing."""
    run_seed(clinic_db, definitions_dir=DEFS, scale="small", seed=1)
    before = snapshot(clinic_db)
    with psycopg.connect(clinic_db) as conn:
        conn.execute(
            "CREATE FUNCTION no_cancel() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            " IF NEW.status = 'cancelled' THEN RAISE EXCEPTION 'no cancelled appointments'; END IF;"
            " RETURN NEW; END $$;"
            "CREATE TRIGGER no_cancel BEFORE INSERT ON appointments FOR EACH ROW EXECUTE FUNCTION "
            "no_cancel()"
        )
    with pytest.raises(SeedError, match=r"public\.appointments.*no cancelled appointments"):
        run_seed(clinic_db, definitions_dir=DEFS, scale="small", seed=2)
    assert snapshot(clinic_db) == before


def test_ctrl_c_mid_seed_leaves_the_previous_data(clinic_db: str) -> None:
    run_seed(clinic_db, definitions_dir=DEFS, scale="small", seed=1)
    before = snapshot(clinic_db)
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from devenv.seeding import run_seed
        def progress(table, done, total):
            print(table, done, total, flush=True)
        run_seed({clinic_db!r}, definitions_dir=Path({str(DEFS)!r}), scale="medium", seed=9,
                 workers=2, progress=progress)
    """)
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    for line in proc.stdout:
        if "appointments" in line or time.monotonic() > deadline:
            break
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert "KeyboardInterrupt" in err
    assert snapshot(clinic_db) == before
