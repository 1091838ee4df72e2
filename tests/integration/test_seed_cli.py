"""`devenv seed` from the command line: scales, JSON, bad definitions, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from tests.helpers import devenv, env_local

pytestmark = pytest.mark.integration


def up_example(capsys: pytest.CaptureFixture[str], project: Path) -> str:
    assert devenv(capsys, "init", "--example", "-C", str(project)).code == 0
    result = devenv(capsys, "up", "-C", str(project))
    assert result.code == 0, result.err
    return env_local(project)["DATABASE_URL"]


def counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {
            t: conn.execute(f"select count(*) from {t}").fetchone()[0]  # type: ignore[index]
            for t in ("clinics", "patients", "appointments", "documents")
        }


def test_seed_scale_and_json_report(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    url = up_example(capsys, project)
    small = counts(url)
    result = devenv(
        capsys, "seed", "--scale", "medium", "--seed", "7", "--json", "-C", str(project)
    )
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert (report["scale"], report["seed"]) == ("medium", 7)
    assert report["rows"] == sum(t["rows"] for t in report["tables"])
    medium = counts(url)
    assert medium["patients"] == 10 * small["patients"]
    assert report["objects"] == medium["documents"] > 0
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "select seed, scale from devenv_meta.seed_runs order by id desc limit 1"
        ).fetchone()
    assert row is not None
    assert tuple(row) == (7, "medium")
    again = devenv(capsys, "seed", "--scale", "medium", "--seed", "7", "-C", str(project))
    assert again.code == 0, again.err
    assert again.out.startswith(f"Seeded {report['rows']:,} rows in 7 tables")
    note = f"{report['objects']} objects were already in place from the previous seed"
    assert note in again.err  # the seed's notes are shown to people too, on stderr
    quiet = devenv(capsys, "seed", "--quiet", "-C", str(project))
    assert quiet.code == 0
    assert quiet.out == ""


def test_bad_definition_names_file_table_and_column(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    url = up_example(capsys, project)
    before = counts(url)
    (project / "seeds" / "broken.toml").write_text("[tables.visits]\nrows = 3\n")
    result = devenv(capsys, "seed", "-C", str(project))
    assert result.code == 9
    assert "broken.toml: table visits:" in result.err
    (project / "seeds" / "broken.toml").unlink()
    clinic = project / "seeds" / "clinic.toml"
    wrong = clinic.read_text().replace(
        "currency = { choices = { USD = 90, EUR = 6, GBP = 4 } }",
        'currency = { choices = ["JPY"] }',
    )
    clinic.write_text(wrong)
    result = devenv(capsys, "seed", "-C", str(project))
    assert result.code == 9
    assert "clinic.toml: table invoices, column currency:" in result.err
    assert "Hint: Fix the definition of invoices.currency in" in result.err
    assert counts(url) == before


def test_ctrl_c_during_a_seed_keeps_the_previous_data(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    url = up_example(capsys, project)
    before = counts(url)
    child = subprocess.Popen(
        [sys.executable, "-m", "devenv", "seed", "--scale", "large", "--quiet", "-C", str(project)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    deadline = time.monotonic() + 30
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:  # wait until the seed's COPY is under way
            active = conn.execute(
                "select count(*) from pg_stat_activity where query ilike 'copy %'"
            ).fetchone()
            if active and active[0]:
                break
            time.sleep(0.02)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert "Error: interrupted" in err
    assert counts(url) == before
