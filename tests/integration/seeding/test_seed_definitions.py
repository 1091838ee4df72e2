"""Bad definitions are errors naming the file, the table and the column (schema-aware checks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from devenv.errors import SeedError
from devenv.seeding import run_seed

pytestmark = pytest.mark.integration


def seed_with(conninfo: str, directory: Path, body: str) -> None:
    (directory / "broken.toml").write_text(body)
    run_seed(conninfo, definitions_dir=directory, scale="small", seed=1)


@pytest.mark.parametrize(
    ("body", "table", "column", "problem"),
    [
        (
            '[tables.patients.columns]\nsex = { choices = ["female", "robot"] }',
            "patients",
            "sex",
            "'robot' is not allowed",
        ),
        (
            '[tables.patients.columns]\ncity = { provider = "cty" }',
            "patients",
            "city",
            "unknown provider 'cty'",
        ),
        (
            '[tables.invoices.columns]\ntotal = { provider = "amount", args = { minimum = 10 } }',
            "invoices",
            "total",
            "unknown argument 'minimum' (it takes min, max, places)",
        ),
        (
            '[tables.patients.columns]\ncity = { provider = "city", args = { pool_size = 10 } }',
            "patients",
            "city",
            "unknown argument 'pool_size' (it takes none)",
        ),
        (
            '[tables.patients.columns]\nemail = { provider = "email", args = { domain = "x" } }',
            "patients",
            "email",
            "provider 'email' takes no args",
        ),
        (
            '[tables.invoices.columns]\ntotal = { provider = "amount", args = { min = 90, max = 9 } }',
            "invoices",
            "total",
            "min 90 is above max 9",
        ),
        (
            '[tables.invoices.columns]\ntotal = { provider = "amount", args = { min = "lots" } }',
            "invoices",
            "total",
            "min must be a number, not 'lots'",
        ),
        (
            '[tables.appointments.columns]\nnotes = { provider = "sentence", args = { words = 5 } }',
            "appointments",
            "notes",
            "words must be [low, high], two whole numbers >= 0",
        ),
        (
            '[tables.documents.columns]\nstorage_key = { object = true, content_type = "mime" }',
            "documents",
            "storage_key",
            "content_type names 'mime', not a column of public.documents",
        ),
        (
            '[tables.documents.columns]\nstorage_key = { object = true, bucket = "My_Docs" }',
            "documents",
            "storage_key",
            "bucket 'My_Docs' is not a valid bucket name",
        ),
        (
            '[tables.payments.columns]\nreference = { template = "PAY-{row:q}" }',
            "payments",
            "reference",
            "bad template 'PAY-{row:q}': Unknown format code 'q'",
        ),
        (
            '[tables.patients.columns]\ncity = { template = "{street:05d}" }',
            "patients",
            "city",
            "Unknown format code 'd' for object of type 'str'",
        ),
        (
            "[tables.patients.columns]\nshoe_size = { constant = 9 }",
            "patients",
            "shoe_size",
            "no such column",
        ),
        (
            '[tables.invoices.columns]\nnumber = { template = "INV-{patient_id}" }',
            "invoices",
            "number",
            "must use {row}",
        ),
        (
            "[tables.patients.columns]\nfirst_name = { constant = 'x', null_fraction = 0.5 }",
            "patients",
            "first_name",
            "does not allow NULL",
        ),
        (
            "[tables.invoices.columns]\ntotal = { range = [-50, -1] }",
            "invoices",
            "total",
            "outside what the column's CHECK",
        ),
        (
            '[tables.patients.columns]\nemail = { template = "{nickname}{row}" }',
            "patients",
            "email",
            "{nickname}",
        ),
        (
            '[tables.appointments.columns]\nclinic_id = { follow = "provider_id.slug" }',
            "appointments",
            "clinic_id",
            "no column 'slug'",
        ),
        (
            '[tables.appointments.columns]\nends_at = { after = "starts_at", min = "soon" }',
            "appointments",
            "ends_at",
            "cannot read duration",
        ),
        (
            '[tables.patients.columns]\ndate_of_birth = { constant = "yesterday" }',
            "patients",
            "date_of_birth",
            "not a valid date",
        ),
        (
            '[tables.payments.columns]\namount = { provider = "city" }',
            "payments",
            "amount",
            "provider values are text",
        ),
    ],
)
def test_bad_definition_names_file_table_and_column(
    clinic_db: str, tmp_path: Path, body: str, table: str, column: str, problem: str
) -> None:
    with pytest.raises(SeedError) as caught:
        seed_with(clinic_db, tmp_path, body)
    message = str(caught.value)
    assert str(tmp_path / "broken.toml") in message
    assert f"table {table}, column {column}" in message
    assert problem in message
    assert "broken.toml" in caught.value.hint


def test_unknown_table_is_named(clinic_db: str, tmp_path: Path) -> None:
    with pytest.raises(SeedError, match=r"broken\.toml: table pets: no such table"):
        seed_with(clinic_db, tmp_path, "[tables.pets]\nrows = 3\n")


def test_bad_definition_changes_nothing(clinic_db: str, tmp_path: Path) -> None:
    with pytest.raises(SeedError):
        seed_with(clinic_db, tmp_path, '[tables.patients.columns]\nsex = { choices = ["robot"] }')
    import psycopg

    with psycopg.connect(clinic_db) as conn:
        assert conn.execute("SELECT count(*) FROM patients").fetchone() == (0,)


def test_good_overrides_are_applied(clinic_db: str, tmp_path: Path) -> None:
    body = """
[tables.clinics]
rows = { small = 2 }

[tables.patients]
rows = 50

[tables.patients.columns]
city = { constant = "Springfield" }
sex = { choices = { female = 1 } }
first_name = { provider = "faker.first_name_nonbinary" }
phone = { null_fraction = 1.0 }
"""
    seed_with(clinic_db, tmp_path, body)
    import psycopg

    with psycopg.connect(clinic_db) as conn:
        assert conn.execute("SELECT count(*) FROM clinics").fetchone() == (2,)
        assert conn.execute("SELECT DISTINCT city, sex FROM patients").fetchall() == [
            ("Springfield", "female")
        ]
        assert conn.execute("SELECT count(phone) FROM patients").fetchone() == (0,)
        assert conn.execute("SELECT count(DISTINCT first_name) FROM patients").fetchone()[0] > 10  # type: ignore[index]


def test_follow_through_a_nullable_key_is_refused(clinic_db: str, tmp_path: Path) -> None:
    body = '[tables.documents.columns]\npatient_id = { follow = "appointment_id.patient_id" }\n'
    with pytest.raises(SeedError, match="follows appointment_id, which is sometimes NULL"):
        seed_with(clinic_db, tmp_path, body)
