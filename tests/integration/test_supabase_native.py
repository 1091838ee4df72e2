"""Local Supabase without Docker: the database surface, RLS as a user, `devenv sql --as`."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from devenv.rls import as_user
from tests.helpers import devenv, env_local
from tests.integration.rls_scenario import ADA, COUNT, add_users, check_policies

pytestmark = pytest.mark.integration


@pytest.fixture
def supabase_project(capsys: pytest.CaptureFixture[str], project: Path) -> Path:
    """The clinic example with its Supabase flavour, up natively, plus two known users."""
    assert devenv(capsys, "init", "--example", "--supabase", "-C", str(project)).code == 0
    result = devenv(capsys, "up", "--runtime", "native", "-C", str(project))
    assert result.code == 0, result.err
    add_users(env_local(project)["DATABASE_URL"])
    return project


def test_rls_policy_lets_each_user_see_only_their_rows(supabase_project: Path) -> None:
    check_policies(env_local(supabase_project)["DATABASE_URL"])


def test_auth_functions_read_the_claims(supabase_project: Path) -> None:
    url = env_local(supabase_project)["DATABASE_URL"]
    with psycopg.connect(url) as conn, as_user(conn, "ada@example.com"):
        row = conn.execute(
            "select auth.uid(), auth.email(), auth.role(), auth.jwt() ->> 'aud'"
        ).fetchone()
    assert row == (ADA, "ada@example.com", "authenticated", "authenticated")


def test_sql_as_on_the_command_line(
    capsys: pytest.CaptureFixture[str], supabase_project: Path
) -> None:
    query = COUNT
    counts = {}
    for who in ("ada@example.com", "bob@example.com", "anon", "service_role"):
        result = devenv(capsys, "sql", "--as", who, "--json", query, "-C", str(supabase_project))
        assert result.code == 0, result.err
        counts[who] = json.loads(result.out)["rows"][0]["n"]
    assert counts == {"ada@example.com": 2, "bob@example.com": 3, "anon": 0, "service_role": 5}
    unknown = devenv(
        capsys, "sql", "--as", "nobody@example.com", "select 1", "-C", str(supabase_project)
    )
    assert unknown.code == 4
    assert "Error: no user 'nobody@example.com' in auth.users" in unknown.err


def test_status_names_the_services_native_mode_does_not_run(
    capsys: pytest.CaptureFixture[str], supabase_project: Path
) -> None:
    services = json.loads(devenv(capsys, "status", "--json", "-C", str(supabase_project)).out)[
        "services"
    ]
    states = {s["name"]: s["state"] for s in services}
    assert states["postgres"] == states["s3"] == "running"
    assert {n for n, st in states.items() if st == "docker only"} == {
        "api",
        "auth",
        "rest",
        "storage",
        "meta",
        "studio",
        "mail",
    }


def test_env_file_has_local_supabase_keys_that_pass_the_guard(
    capsys: pytest.CaptureFixture[str], supabase_project: Path
) -> None:
    env = env_local(supabase_project)
    assert env["SUPABASE_URL"] == env["NEXT_PUBLIC_SUPABASE_URL"] == "http://127.0.0.1:54321"
    assert env["SUPABASE_ANON_KEY"] == env["NEXT_PUBLIC_SUPABASE_ANON_KEY"]
    assert env["SUPABASE_SERVICE_ROLE_KEY"].count(".") == 2
    assert devenv(capsys, "check", "-C", str(supabase_project)).code == 0


def test_reset_of_the_postgres_database_keeps_the_surface(
    capsys: pytest.CaptureFixture[str], supabase_project: Path
) -> None:
    result = devenv(capsys, "reset", "--yes", "-C", str(supabase_project))
    assert result.code == 0, result.err
    url = env_local(supabase_project)["DATABASE_URL"]
    with psycopg.connect(url) as conn:
        assert conn.execute(
            "select count(*) from auth.users where email = 'ada@example.com'"
        ).fetchone() == (0,)
        assert conn.execute("select to_regprocedure('auth.uid()') is not null").fetchone() == (
            True,
        )


def test_supabase_cli_layout_migrations_apply_unchanged(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    (project / "devenv.toml").write_text(
        '[supabase]\nenabled = true\n[postgres]\ndatabase = "postgres"\n'
    )
    migrations = project / "supabase" / "migrations"
    migrations.mkdir(parents=True)
    (migrations / "20240101120000_profiles.sql").write_text(
        "create table public.profiles (\n"
        "  id uuid primary key references auth.users on delete cascade,\n"
        "  username text unique\n);\n"
        "alter table public.profiles enable row level security;\n"
        'create policy "own profile" on public.profiles for select using ((select auth.uid()) = id);\n'
        "grant select on public.profiles to authenticated;\n"
    )
    result = devenv(capsys, "up", "--runtime", "native", "-C", str(project))
    assert result.code == 0, result.err
    assert "Applied 1 migration(s)." in result.out
    url = env_local(project)["DATABASE_URL"]
    with psycopg.connect(url) as conn:
        assert conn.execute("select to_regclass('public.profiles') is not null").fetchone() == (
            True,
        )


def test_the_supabase_quickstart_schema_seeds_users_gotrue_accepts_and_keeps_buckets(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    """Profiles made by a trigger on auth.users, a bucket made by a migration, no seeds/."""
    (project / "devenv.toml").write_text('[supabase]\nenabled = true\n[seed]\nscale = "small"\n')
    migrations = project / "migrations"
    migrations.mkdir()
    (migrations / "20240101120000_quickstart.sql").write_text(
        "create table public.profiles (\n"
        "  id uuid not null references auth.users on delete cascade primary key,\n"
        "  username text unique, full_name text,\n"
        "  constraint username_length check (char_length(username) >= 3));\n"
        "create function public.handle_new_user() returns trigger set search_path = ''\n"
        "as $$ begin insert into public.profiles (id, full_name)\n"
        "  values (new.id, new.raw_user_meta_data->>'full_name'); return new; end;\n"
        "$$ language plpgsql security definer;\n"
        "create trigger on_auth_user_created after insert on auth.users\n"
        "  for each row execute procedure public.handle_new_user();\n"
        "insert into storage.buckets (id, name, public) values ('avatars', 'avatars', true);\n"
    )
    result = devenv(capsys, "up", "--runtime", "native", "-C", str(project))
    assert result.code == 0, result.err
    assert "public.profiles: replaced 100 rows that triggers inserted" in result.err
    with psycopg.connect(env_local(project)["DATABASE_URL"]) as conn:
        users = conn.execute(
            "select count(*), count(*) filter (where aud = 'authenticated'"
            " and role = 'authenticated' and email_confirmed_at >= created_at"
            " and instance_id = '00000000-0000-0000-0000-000000000000'"
            " and raw_app_meta_data ->> 'provider' = 'email' and confirmation_token = ''"
            " and encrypted_password is null and email like '%@example.%')"
            " from auth.users"
        ).fetchone()
        assert users == (100, 100)
        assert conn.execute("select count(*), count(username) > 80 from profiles").fetchone() == (
            100,
            True,
        )
        assert conn.execute("select id from storage.buckets").fetchall() == [("avatars",)]
