"""Local Supabase in the Docker runtime, against a real engine (a private dockerd).

The database runs on a stand-in for supabase/postgres built locally (tests/docker_support/
images/supabase-postgres) and tagged with the exact pin, because no registry is reachable. The
gateway, auth, rest, storage, meta, studio and mail images cannot be had here either, so the
project leaves them out with `[supabase] exclude` (set as DEVENV_SUPABASE_EXCLUDE, like
`supabase start -x`): db and s3 run for real. The RLS scenario runs through `devenv sql --as`
and `devenv.rls.as_user` against that database.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest

from devenv.compose import project_name
from devenv.settings import SUPABASE_SERVICES, load_settings
from tests.docker_support.conftest_plugin import DockerEngine
from tests.helpers import devenv, env_local, free_port
from tests.integration.rls_scenario import ADA, BOB, COUNT, add_users, check_policies, visible

pytestmark = [pytest.mark.docker, pytest.mark.integration]


@pytest.fixture
def supabase_stack(
    capsys: pytest.CaptureFixture[str],
    engine_host: DockerEngine,
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """The clinic example's Supabase flavour, up in Docker with db and s3 only, plus two users."""
    monkeypatch.setenv("DEVENV_S3_CONSOLE_PORT", str(free_port()))
    monkeypatch.setenv("DEVENV_SUPABASE_EXCLUDE", ",".join(SUPABASE_SERVICES))
    ok(capsys, "init", "--example", "--supabase", "-C", str(project))
    out = ok(capsys, "up", "--runtime", "docker", "-C", str(project))
    assert "Started s3, postgres (docker)." in out
    assert "Applied 4 migration(s)." in out
    assert "Seeded " in out
    add_users(env_local(project)["DATABASE_URL"])
    return project


def ok(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run the CLI in-process, require success, return stdout."""
    result = devenv(capsys, *args)
    assert result.code == 0, f"devenv {' '.join(args)} failed:\n{result.err}"
    return result.out


def containers(engine: DockerEngine, project: Path) -> dict[str, Any]:
    """The project's containers by compose service."""
    name = project_name(load_settings(project, environ={}).name)
    found = engine.client.containers.list(
        all=True, filters={"label": f"com.docker.compose.project={name}"}
    )
    return {c.labels["com.docker.compose.service"]: c for c in found}


def sql_as(capsys: pytest.CaptureFixture[str], project: Path, who: str, query: str) -> Any:
    """`devenv sql --as WHO --json QUERY`: the first column of the first row."""
    out = ok(capsys, "sql", "--as", who, "--json", query, "-C", str(project))
    return next(iter(json.loads(out)["rows"][0].values()))


def test_only_db_and_s3_run_and_the_db_is_supabase_postgres(
    supabase_stack: Path, engine_host: DockerEngine
) -> None:
    running = containers(engine_host, supabase_stack)
    assert sorted(running) == ["postgres", "s3"]
    pinned = load_settings(supabase_stack, environ={})
    assert pinned.postgres.database == "postgres"
    assert running["postgres"].image.tags == [engine_host.tags.supabase_postgres]
    env = env_local(supabase_stack)
    assert env["DATABASE_URL"].endswith("/postgres")
    assert "SUPABASE_URL" not in env  # the gateway is excluded, so nothing to point at


def test_rls_policy_per_user_anon_and_service_role_with_the_python_helper(
    supabase_stack: Path,
) -> None:
    check_policies(env_local(supabase_stack)["DATABASE_URL"])


def test_rls_through_devenv_sql_as(
    capsys: pytest.CaptureFixture[str], supabase_stack: Path
) -> None:
    counts = {
        who: sql_as(capsys, supabase_stack, who, COUNT)
        for who in ("ada@example.com", str(BOB), "anon", "service_role")
    }
    assert counts == {"ada@example.com": 2, str(BOB): 3, "anon": 0, "service_role": 5}
    # Seeded users own seeded rows: each sees exactly the rows the database says are theirs.
    url = env_local(supabase_stack)["DATABASE_URL"]
    with psycopg.connect(url) as conn:
        owners = conn.execute(
            "select u.email, count(m.id) from auth.users u "
            "join portal_messages m on m.owner_id = u.id "
            "where u.email like 'user%%@example.com' group by 1 order by 2 desc, 1 limit 3"
        ).fetchall()
    assert owners, "the seed gave no portal message an owner"
    for email, owned in owners:
        total = "select count(*) from portal_messages"
        assert sql_as(capsys, supabase_stack, email, total) == owned
    assert sql_as(capsys, supabase_stack, "anon", "select count(*) from portal_messages") == 0


def test_the_image_set_up_the_service_roles_with_the_project_password(
    supabase_stack: Path,
) -> None:
    # What the real auth, rest and storage containers rely on: they log in as these roles.
    env = env_local(supabase_stack)
    secrets = json.loads((supabase_stack / ".devenv" / "secrets.json").read_text())
    base = env["DATABASE_URL"].replace("postgresql://postgres:", "postgresql://{role}:")
    for role in (
        "authenticator",
        "supabase_auth_admin",
        "supabase_storage_admin",
        "supabase_admin",
    ):
        with psycopg.connect(base.format(role=role)) as conn:
            assert conn.execute("select current_user").fetchone() == (role,)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(
            base.format(role="authenticator").replace(":" + secrets["postgres_password"], ":wrong")
        )
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        setting = conn.execute("select current_setting('app.settings.jwt_secret')").fetchone()
        assert setting == (secrets["jwt_secret"],)
        roles = conn.execute(
            "select rolname, rolcanlogin, rolbypassrls from pg_roles "
            "where rolname in ('anon', 'authenticated', 'service_role') order by 1"
        ).fetchall()
    assert roles == [
        ("anon", False, False),
        ("authenticated", False, False),
        ("service_role", False, True),
    ]


def test_down_keeps_the_data_and_reset_starts_the_database_over(
    capsys: pytest.CaptureFixture[str], supabase_stack: Path, engine_host: DockerEngine
) -> None:
    url = env_local(supabase_stack)["DATABASE_URL"]
    ok(capsys, "down", "-C", str(supabase_stack))
    assert containers(engine_host, supabase_stack) == {}
    out = ok(capsys, "up", "-C", str(supabase_stack))
    assert "Seeded" not in out
    assert visible(url, "ada@example.com") == ["ada@example.com #0", "ada@example.com #1"]

    first = containers(engine_host, supabase_stack)["postgres"].id
    out = ok(capsys, "reset", "--yes", "-C", str(supabase_stack))
    assert out.startswith("Reset postgres: 4 migration(s), ")
    assert containers(engine_host, supabase_stack)["postgres"].id != first  # a fresh volume
    with psycopg.connect(url) as conn:
        assert conn.execute("select count(*) from auth.users where id = %s", (ADA,)).fetchone() == (
            0,
        )
        assert conn.execute("select count(*) from auth.users").fetchone() == (50,)
        assert conn.execute("select to_regprocedure('auth.uid()') is not null").fetchone() == (
            True,
        )
    seeded = sql_as(capsys, supabase_stack, "user1@example.com", "select auth.email()")
    assert seeded == "user1@example.com"
    assert sql_as(capsys, supabase_stack, "anon", "select count(*) from portal_messages") == 0
