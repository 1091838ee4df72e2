"""Same seed, same data: at any parallelism, at any scale for early rows, and per table."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from devenv.seeding import run_seed
from tests.integration.seeding.conftest import CLINIC
from tests.integration.seeding.support import data_dump, public_tables, table_rows

pytestmark = pytest.mark.integration
DEFS = CLINIC / "seeds"


def test_same_seed_gives_identical_dumps_with_one_or_two_workers(clinic_db: str) -> None:
    run_seed(clinic_db, definitions_dir=DEFS, scale="medium", seed=7, workers=1)
    serial = data_dump(clinic_db)
    run_seed(clinic_db, definitions_dir=DEFS, scale="medium", seed=7, workers=2)
    parallel = data_dump(clinic_db)
    assert serial == parallel
    assert len(serial) > 1_000_000


def test_another_seed_gives_other_data(clinic_db: str) -> None:
    run_seed(clinic_db, definitions_dir=DEFS, scale="small", seed=1)
    first = table_rows(clinic_db, "public.patients")
    run_seed(clinic_db, definitions_dir=DEFS, scale="small", seed=2)
    assert table_rows(clinic_db, "public.patients") != first


def test_row_n_is_the_same_at_small_and_medium(clinic_db: str) -> None:
    run_seed(clinic_db, definitions_dir=DEFS, scale="small", seed=3)
    small = {t: table_rows(clinic_db, f"public.{t}") for t in public_tables(clinic_db)}
    run_seed(clinic_db, definitions_dir=DEFS, scale="medium", seed=3, workers=2)
    for table, rows in small.items():
        assert table_rows(clinic_db, f"public.{table}", limit=len(rows)) == rows, table


def test_changing_one_table_leaves_the_others_identical(clinic_db: str, tmp_path: Path) -> None:
    run_seed(clinic_db, definitions_dir=DEFS, scale="small", seed=4)
    before = {t: table_rows(clinic_db, f"public.{t}") for t in public_tables(clinic_db)}
    changed = tmp_path / "seeds"
    shutil.copytree(DEFS, changed)
    text = (changed / "clinic.toml").read_text()
    text = text.replace(
        'notes = { provider = "sentence", null_fraction = 0.5 }',
        'notes = { provider = "paragraph", args = { sentences = [2, 3] } }',
    )
    text = text.replace("Vaccination", "Immunisation")
    (changed / "clinic.toml").write_text(text)
    run_seed(clinic_db, definitions_dir=changed, scale="small", seed=4)
    after = {t: table_rows(clinic_db, f"public.{t}") for t in public_tables(clinic_db)}
    assert after["appointments"] != before["appointments"]
    for table in before:
        if table != "appointments":
            assert after[table] == before[table], table
