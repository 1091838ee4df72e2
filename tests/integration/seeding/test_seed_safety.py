"""Atomic replacement: an error or Ctrl-C mid-seed leaves the previous data and schema."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import psycopg
import pytest

from devenv.errors import SeedError, TablesInUse
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


def test_sessions_holding_seeded_tables_fail_the_seed_naming_them(
    clinic_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_seed(clinic_db, definitions_dir=DEFS, scale="small", seed=1)
    monkeypatch.setattr("devenv.seeding.sink.TABLE_LOCK_WAIT", 0.5)
    with (
        psycopg.connect(clinic_db, application_name="open-psql") as psql,
        psycopg.connect(clinic_db, application_name="app") as app,
    ):
        psql.execute("SELECT count(*) FROM patients")  # its open transaction holds the table
        # This one holds an identity sequence, which TRUNCATE ... RESTART IDENTITY resets.
        app.execute("SELECT nextval(pg_get_serial_sequence('appointments', 'id'))")
        before = snapshot(clinic_db)  # a sequence keeps the value nextval took
        began = time.monotonic()
        with pytest.raises(TablesInUse) as failure:
            run_seed(clinic_db, definitions_dir=DEFS, scale="small", seed=2)
        assert time.monotonic() - began < 10  # the wait has its deadline
        pids = sorted([psql.info.backend_pid, app.info.backend_pid])
        assert failure.value.pids == pids
        assert "(open-psql, user " in failure.value.message
        assert "(app, user " in failure.value.message
        assert "idle in transaction for " in failure.value.message
        assert f"pg_terminate_backend({pids[0]})" in failure.value.hint
        psql.rollback()
        app.rollback()
    assert snapshot(clinic_db) == before


def test_a_connection_lost_mid_seed_says_so_and_what_to_run(clinic_db: str) -> None:
    run_seed(clinic_db, definitions_dir=DEFS, scale="small", seed=1)
    before = snapshot(clinic_db)

    def cut(table: str, done: int, total: int) -> None:
        if table.endswith("appointments") and done:  # the COPY into appointments is under way
            with psycopg.connect(clinic_db, autocommit=True) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    " AND query LIKE 'COPY%%'"
                )

    with pytest.raises(SeedError, match="the connection to the database was lost") as failure:
        run_seed(clinic_db, definitions_dir=DEFS, scale="medium", seed=2, workers=1, progress=cut)
    assert "`devenv logs postgres`" in failure.value.hint
    assert "`devenv seed` again" in failure.value.hint
    assert snapshot(clinic_db) == before
