"""Planning without a server: scope, load order, cycles, counts, safety checks and scales."""

from __future__ import annotations

from pathlib import Path

import pytest

from devenv.errors import SeedError, UnsafeTarget
from devenv.seeding import run_seed, scale_names
from devenv.seeding.columns import make_plan
from devenv.seeding.definitions import Definitions, load
from devenv.seeding.model import Column, ForeignKey, PgType, Schema, Table, UniqueKey
from devenv.seeding.planning import Planner
from devenv.seeding.safety import check_database, check_endpoint, is_loopback
from devenv.seeding.scales import MULTIPLIERS, multiplier, rows_at
from devenv.seeding.scope import select
from devenv.seeding.stream import chunk_bytes

INT = PgType(20, "bigint", "int8")
TEXT = PgType(25, "text", "text")


def table(
    name: str, *cols: Column, fks: tuple[ForeignKey, ...] = (), schema: str = "public"
) -> Table:
    ident = Column("id", INT, True, identity="a", sequence=(1, 1))
    return Table(
        schema, name, (ident, *cols), (UniqueKey(f"{name}_pkey", ("id",), primary=True),), fks
    )


def cycle_schema() -> Schema:
    a = table(
        "a",
        Column("b_id", INT, False),
        Column("name", TEXT, True),
        fks=(ForeignKey("a_b", ("b_id",), "public.b", ("id",)),),
    )
    b = table(
        "b", Column("a_id", INT, True), fks=(ForeignKey("b_a", ("a_id",), "public.a", ("id",)),)
    )
    c = table(
        "c", Column("a_id", INT, True), fks=(ForeignKey("c_a", ("a_id",), "public.a", ("id",)),)
    )
    other = table("other", schema="audit")
    return Schema({t.qualified: t for t in (a, b, c, other)})


def test_cycle_breaks_at_a_nullable_edge_and_children_follow() -> None:
    scope = select(cycle_schema(), Definitions())
    assert set(scope.order) == {"public.a", "public.b", "public.c"}
    assert len(scope.deferred) == 1
    assert scope.order.index("public.c") > scope.order.index("public.a")


def test_plan_is_deterministic_and_streams_bytes() -> None:
    schema = cycle_schema()
    plans = [
        make_plan(
            Planner(
                schema,
                Definitions(),
                select(schema, Definitions()),
                seed=3,
                scale="medium",
                kept_rows={},
            )
        )
        for _ in range(2)
    ]
    first, second = (p.tables[0] for p in plans)
    assert first.rows == 1000
    assert chunk_bytes(first, 0, 500) == chunk_bytes(second, 0, 500)
    assert (
        chunk_bytes(first, 100, 10)
        == chunk_bytes(first, 0, 500)[len(chunk_bytes(first, 0, 100)) :][
            : len(chunk_bytes(first, 100, 10))
        ]
    )


def test_scales() -> None:
    assert scale_names() == ("small", "medium", "large")
    assert MULTIPLIERS == {"small": 1, "medium": 10, "large": 250}
    assert rows_at(4, "large") == 1000
    assert rows_at({"small": 3, "large": 7}, "large") == 7
    assert rows_at({"small": 3}, "medium") == 30
    with pytest.raises(SeedError, match="unknown scale 'huge'"):
        multiplier("huge")


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2", "/var/run/postgresql", ""]
)
def test_local_hosts_are_accepted(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize(
    "conninfo",
    [
        "host=db.example.com dbname=x",
        "postgresql://user@10.0.0.5:5432/app",
        "host=127.0.0.1,prod.example.com dbname=x",
        "host=localhost hostaddr=192.168.1.9 dbname=x",
    ],
)
def test_remote_databases_are_refused(conninfo: str) -> None:
    with pytest.raises(UnsafeTarget, match="refusing to seed"):
        check_database(conninfo)


def test_run_seed_refuses_before_connecting() -> None:
    with pytest.raises(UnsafeTarget):
        run_seed("postgresql://u@203.0.113.5/db", definitions_dir=None, scale="small", seed=1)


def test_pghost_environment_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGHOST", "db.internal")
    with pytest.raises(UnsafeTarget):
        check_database("dbname=x")


def test_s3_endpoints() -> None:
    check_endpoint("127.0.0.1:54330")
    check_endpoint("localhost:9000")
    with pytest.raises(UnsafeTarget):
        check_endpoint("s3.amazonaws.com")


def test_children_outside_the_schemas_are_emptied_unless_a_filled_table_needs_them() -> None:
    a = table("a")
    log = table(
        "log",
        Column("a_id", INT, True),
        fks=(ForeignKey("log_a", ("a_id",), "public.a", ("id",)),),
        schema="audit",
    )
    note = table(
        "note",
        Column("a_id", INT, True),
        fks=(ForeignKey("note_a", ("a_id",), "public.a", ("id",)),),
        schema="audit",
    )
    pin = table(
        "pin",
        Column("note_id", INT, False),
        fks=(ForeignKey("pin_note", ("note_id",), "audit.note", ("id",)),),
    )
    schema = Schema({t.qualified: t for t in (a, log, note, pin)})
    scope = select(schema, Definitions())
    assert set(scope.order) == {"public.a", "audit.log", "audit.note", "public.pin"}
    assert scope.emptied == {"audit.log"}
    plan = make_plan(Planner(schema, Definitions(), scope, seed=1, scale="small", kept_rows={}))
    assert {t.name: t.rows for t in plan.tables} == {
        "public.a": 100,
        "audit.log": 0,
        "audit.note": 100,
        "public.pin": 100,
    }


def test_project_schemas_left_out_of_the_seed_are_counted() -> None:
    """Tables of a schema not in [settings] schemas are named in a note; platform ones are not."""
    tables = [
        table("notes", schema="public"),
        table("orders", schema="app"),
        table("customers", schema="app"),
        table("users", schema="auth"),
        table("schema_migrations", schema="devenv"),
    ]
    schema = Schema({t.qualified: t for t in tables})
    assert select(schema, Definitions()).left == (("app", 2),)
    assert select(schema, Definitions(schemas=("public", "app"))).left == ()


def test_auth_users_gets_the_shipped_supabase_definitions_under_the_projects_own(
    tmp_path: Path,
) -> None:
    uuid, tstz = PgType(2950, "uuid", "uuid"), PgType(1184, "timestamptz", "timestamptz")
    users = Table(
        "auth",
        "users",
        (
            Column("id", uuid, True),
            Column("aud", TEXT, False),
            Column("role", TEXT, False),
            Column("email", TEXT, False),
            Column("created_at", tstz, False),
            Column("email_confirmed_at", tstz, False),
        ),
        (UniqueKey("users_pkey", ("id",), primary=True),),
    )
    profiles = Table(
        "public",
        "profiles",
        (Column("id", uuid, True),),
        (UniqueKey("profiles_pkey", ("id",), primary=True),),
        (ForeignKey("profiles_id", ("id",), "auth.users", ("id",)),),
    )
    schema = Schema({t.qualified: t for t in (users, profiles)})
    (tmp_path / "seeds.toml").write_text(
        '[tables."auth.users"]\nrows = 7\n[tables."auth.users".columns]\n'
        'role = { constant = "staff" }\n'
    )
    defs = load(tmp_path)
    plan = make_plan(Planner(schema, defs, select(schema, defs), seed=1, scale="small",
                             kept_rows={}))  # fmt: skip
    users_plan = next(t for t in plan.tables if t.name == "auth.users")
    assert users_plan.rows == 7
    rows = [{c: users_plan.gens[c].at(r) for c in ("aud", "role", "email")} for r in range(7)]
    assert {(r["aud"], r["role"]) for r in rows} == {("authenticated", "staff")}
    assert all(r["email"] for r in rows)  # never NULL, though the column allows it
    first = users_plan.gens["created_at"].at(0)
    assert users_plan.gens["email_confirmed_at"].at(0) > first
