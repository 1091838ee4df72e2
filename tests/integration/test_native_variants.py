"""Native runtime variants: embedded PostgreSQL binaries, and projects the server user cannot reach."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from devenv.state import load_state
from tests.helpers import devenv, env_local, free_port

pytestmark = pytest.mark.integration


def test_embedded_postgres_serves_a_version_the_system_lacks(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    if Path("/usr/lib/postgresql/18/bin/postgres").exists():
        pytest.skip("this machine has system PostgreSQL 18; the embedded fallback is not used")
    assert devenv(capsys, "init", "--example", "-C", str(project)).code == 0
    config = project / "devenv.toml"
    config.write_text(config.read_text().replace("version = 15", "version = 18"))
    result = devenv(capsys, "up", "-C", str(project))
    assert result.code == 0, result.err
    state = load_state(project / ".devenv")
    assert "embedded_postgres" in (state.postgres_bin or "")
    import psycopg

    with psycopg.connect(env_local(project)["DATABASE_URL"]) as conn:
        version = conn.execute("show server_version_num").fetchone()
        patients = conn.execute("select count(*) from patients").fetchone()
    assert version is not None
    assert str(version[0]).startswith("18")
    assert patients is not None
    assert patients[0] > 0
    doctor = json.loads(devenv(capsys, "doctor", "--json", "-C", str(project)).out)
    detail = next(c["detail"] for c in doctor["checks"] if c["name"] == "postgres binaries")
    assert "embedded-postgres" in detail


@pytest.mark.skipif(
    os.geteuid() != 0, reason="only root runs PostgreSQL as the unprivileged devenv user"
)
def test_root_keeps_data_outside_a_project_the_server_user_cannot_reach(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEVENV_POSTGRES_PORT", str(free_port()))
    monkeypatch.setenv("DEVENV_S3_PORT", str(free_port()))
    private = Path(tempfile.mkdtemp(prefix="devenv-private-", dir="/tmp"))  # mode 0700
    project = private / "app"
    try:
        assert devenv(capsys, "init", "--example", "-C", str(project)).code == 0
        result = devenv(capsys, "up", "-C", str(project))
        assert result.code == 0, result.err
        data = Path(load_state(project / ".devenv").postgres_data or "")
        assert data.is_relative_to("/var/lib/devenv")
        assert str(data) in devenv(capsys, "status", "--json", "-C", str(project)).out
        assert devenv(capsys, "destroy", "--yes", "-C", str(project)).code == 0
        assert not data.exists()
    finally:
        if (project / ".devenv" / "state.json").exists():
            devenv(capsys, "destroy", "--yes", "-C", str(project))
        shutil.rmtree(private, ignore_errors=True)


def test_up_before_any_migration_starts_the_stack_and_seeds_once_tables_exist(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    first = devenv(capsys, "up", "-C", str(project))  # no devenv.toml, no migrations yet
    assert first.code == 0, first.err
    assert "No tables to seed yet" in first.err
    assert "DATABASE_URL" in env_local(project)
    asked = devenv(capsys, "seed", "-C", str(project))  # asked for explicitly, it is an error
    assert asked.code == 9
    assert "no tables to seed in schemas public" in asked.err
    migrations = project / "migrations"
    migrations.mkdir()
    (migrations / "20250101000000_notes.sql").write_text(
        "create table notes (id bigint generated always as identity primary key, body text);\n"
    )
    second = devenv(capsys, "up", "-C", str(project))
    assert second.code == 0, second.err
    assert "No tables to seed yet" not in second.err
    assert "Applied 1 migration(s)." in second.out
    import psycopg

    with psycopg.connect(env_local(project)["DATABASE_URL"]) as conn:
        notes = conn.execute("select count(*) from notes").fetchone()
    assert notes is not None
    assert notes[0] > 0
