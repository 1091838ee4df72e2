"""The clinic example against a real PostgreSQL: counts, constraints, synthetic markers."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pytest

from devenv.seeding import SeedReport, run_seed, scale_names
from tests.integration.seeding.conftest import CLINIC
from tests.integration.seeding.support import fk_violations

pytestmark = pytest.mark.integration
DEFS = CLINIC / "seeds"


def seed(conninfo: str, scale: str = "small", seed_value: int = 1, **kwargs: object) -> SeedReport:
    return run_seed(conninfo, definitions_dir=DEFS, scale=scale, seed=seed_value, **kwargs)  # type: ignore[arg-type]


def counts(conninfo: str) -> dict[str, int]:
    with psycopg.connect(conninfo) as conn:
        tables = [
            r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname='public'")
        ]
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}  # type: ignore[index]


def test_small_seed_fills_every_table_and_reports_it(clinic_db: str) -> None:
    report = seed(clinic_db)
    found = counts(clinic_db)
    assert {t.name.split(".")[1]: t.rows for t in report.tables} == found
    assert all(n > 0 for n in found.values())
    assert 3000 <= report.rows <= 6000
    assert report.seconds < 5
    assert scale_names() == ("small", "medium", "large")


def test_every_foreign_key_resolves(clinic_db: str) -> None:
    seed(clinic_db, "medium")
    assert set(fk_violations(clinic_db).values()) == {0}


def test_rows_look_synthetic_and_follow_the_definitions(clinic_db: str) -> None:
    seed(clinic_db)
    with psycopg.connect(clinic_db) as conn:
        emails = [
            r[0]
            for r in conn.execute(
                "SELECT email FROM patients UNION ALL SELECT email FROM providers"
            )
        ]
        phones = [r[0] for r in conn.execute("SELECT phone FROM patients WHERE phone IS NOT NULL")]
        assert all(re.fullmatch(r"[a-z0-9.]+@example\.(com|net|org)", e) for e in emails)
        assert all(re.fullmatch(r"\+1-\d{3}-555-01\d\d", p) for p in phones)
        # follow: an appointment's clinic is its patient's; an invoice's patient its appointment's.
        assert conn.execute(
            "SELECT count(*) FROM appointments a JOIN patients p ON p.id = a.patient_id WHERE "
            "a.clinic_id <> p.clinic_id"
        ).fetchone() == (0,)
        assert conn.execute(
            "SELECT count(*) FROM invoices i JOIN appointments a ON a.id = i.appointment_id WHERE "
            "i.patient_id <> a.patient_id"
        ).fetchone() == (0,)
        # relations hold, statuses come from the CHECK list, created_at <= updated_at.
        assert conn.execute(
            "SELECT count(*) FROM appointments WHERE ends_at <= starts_at"
        ).fetchone() == (0,)
        assert conn.execute(
            "SELECT count(*) FROM patients WHERE updated_at < created_at"
        ).fetchone() == (0,)
        assert conn.execute("SELECT count(DISTINCT status) FROM appointments").fetchone()[0] >= 4  # type: ignore[index]
        assert conn.execute("SELECT DISTINCT country FROM clinics").fetchall() == [("US",)]
        assert conn.execute("SELECT DISTINCT settings::text FROM clinics").fetchall() == [("{}",)]
        # per_parent: every patient has 0..3 appointments.
        most = conn.execute(
            "SELECT max(n) FROM (SELECT count(*) n FROM appointments GROUP BY patient_id) x"
        )
        assert most.fetchone()[0] <= 3  # type: ignore[index]
        # the self-reference points at an earlier provider, never at itself.
        assert conn.execute(
            "SELECT count(*) FROM providers WHERE supervisor_id >= id"
        ).fetchone() == (0,)


def test_documents_rows_describe_their_files(clinic_db: str) -> None:
    seed(clinic_db)
    with psycopg.connect(clinic_db) as conn:
        rows = conn.execute(
            "SELECT storage_key, content_type, size_bytes FROM documents"
        ).fetchall()
    from devenv.seeding.objects import extension, render

    for key, content_type, size in rows:
        assert key.startswith("documents/")
        assert key.endswith("." + extension(content_type))
        assert size == len(render(content_type, key))


def test_provenance_is_recorded_in_the_same_transaction(clinic_db: str) -> None:
    report = seed(clinic_db, seed_value=42)
    with psycopg.connect(clinic_db) as conn:
        row = conn.execute(
            "SELECT seed, scale, devenv_version, rows, synthetic FROM devenv_meta.seed_runs"
        ).fetchall()
    assert row == [(42, "small", "0.1.0", report.rows, True)]


def test_reseeding_replaces_rather_than_appends(clinic_db: str) -> None:
    seed(clinic_db, seed_value=1)
    second = seed(clinic_db, seed_value=2)
    assert counts(clinic_db) == {t.name.split(".")[1]: t.rows for t in second.tables}


def test_keys_and_indexes_survive_a_large_style_load(clinic_db: str) -> None:
    """Above the bulk threshold keys are dropped and rebuilt: the schema comes back identical."""
    query = (
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = "
        "'public'::regnamespace"
        " UNION ALL SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER "
        "BY 1, 2"
    )
    with psycopg.connect(clinic_db) as conn:
        before = conn.execute(query).fetchall()
    report = seed(clinic_db, "medium", workers=2)
    assert report.rows > 20_000
    with psycopg.connect(clinic_db) as conn:
        assert conn.execute(query).fetchall() == before


def test_progress_callback_sees_every_table(clinic_db: str) -> None:
    seen: dict[str, tuple[int, int]] = {}
    seed(clinic_db, progress=lambda table, done, total: seen.__setitem__(table, (done, total)))
    assert all(done == total for done, total in seen.values())
    assert len(seen) == 7


def test_path_argument_is_optional(clinic_db: str, tmp_path: Path) -> None:
    """Without definitions every column is inferred, and every constraint still holds."""
    report = run_seed(clinic_db, definitions_dir=None, scale="small", seed=5)
    assert report.rows == 700
    assert set(fk_violations(clinic_db).values()) == {0}


def test_identity_sequences_continue_right_after_the_seed_with_their_cache_restored(
    clinic_db: str,
) -> None:
    with psycopg.connect(clinic_db, autocommit=True) as conn:
        conn.execute("ALTER SEQUENCE payments_id_seq CACHE 5")
    seed(clinic_db, scale="medium")  # keys set aside, sequences cached during the load
    with psycopg.connect(clinic_db, autocommit=True) as conn:
        caches = dict(
            conn.execute(
                "SELECT seqrelid::regclass::text, seqcache FROM pg_sequence"
                " WHERE seqrelid::regclass::text LIKE '%_id_seq'"
            ).fetchall()
        )
        assert caches["payments_id_seq"] == 5
        assert caches["appointments_id_seq"] == 1
        for table in ("clinics", "appointments", "invoices", "payments"):
            loaded = conn.execute(f"SELECT count(*), max(id) FROM {table}").fetchone()
            assert loaded is not None
            assert loaded[0] == loaded[1]  # the database numbered the rows 1..N
        row = conn.execute(
            "INSERT INTO clinics (name, slug, city) VALUES ('Late', 'late', 'Springfield')"
            " RETURNING id, (SELECT count(*) FROM clinics)"
        ).fetchone()
        assert row is not None
        assert row[0] == row[1] + 1  # no gap left by the cached batch
