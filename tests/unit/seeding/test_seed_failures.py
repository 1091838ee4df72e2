"""Database errors during a seed become SeedErrors whose hint names the next step."""

from __future__ import annotations

import psycopg
import pytest

from devenv.seeding.engine import _failure


@pytest.mark.parametrize(
    ("error", "message", "hint"),
    [
        (
            psycopg.errors.UniqueViolation("duplicate key value"),
            "seeding public.t broke a constraint: duplicate key value",
            "Adjust the definition of the named column in seeds/",
        ),
        (
            psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"),
            "seeding public.t waited too long for a lock another database session holds",
            "then run `devenv seed` again",
        ),
        (
            psycopg.OperationalError("server closed the connection unexpectedly"),
            "seeding public.t failed: the connection to the database was lost",
            "`devenv logs postgres`",
        ),
        (
            psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
            "the connection to the database was lost",
            "run `devenv seed` again (it restarts a server that stopped)",
        ),
        (
            psycopg.errors.QueryCanceled("canceling statement due to statement timeout"),
            "seeding public.t failed: canceling statement due to statement timeout",
            "Nothing was changed; the database still holds the previous data.",
        ),
    ],
)
def test_each_kind_of_database_error_gets_its_own_next_step(
    error: psycopg.Error, message: str, hint: str
) -> None:
    failure = _failure("seeding public.t", error)
    assert message in failure.message
    assert hint in failure.hint
