"""Planning without a server: scope, load order, cycles, counts, safety checks and scales."""

from __future__ import annotations

import pytest

from devenv.errors import SeedError, UnsafeTarget
from devenv.seeding import run_seed, scale_names
from devenv.seeding.columns import make_plan
from devenv.seeding.definitions import Definitions
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
