"""Create, drop and inspect the project's database on the local server."""

from __future__ import annotations

import psycopg
from psycopg import sql

from devenv.errors import ServiceNotReady


def database_exists(admin_conninfo: str, name: str) -> bool:
    """True if the database exists on the server."""
    with _admin(admin_conninfo) as conn:
        row = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
    return row is not None


def ensure_database(admin_conninfo: str, name: str) -> bool:
    """Create the database if missing; True if it was just created."""
    if database_exists(admin_conninfo, name):
        return False
    with _admin(admin_conninfo) as conn:
        # template0: the maintenance connection may sit on template1
        conn.execute(sql.SQL("create database {} template template0").format(sql.Identifier(name)))
    return True


def drop_database(admin_conninfo: str, name: str) -> None:
    """Drop the database, disconnecting its clients."""
    with _admin(admin_conninfo) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )


def _admin(conninfo: str) -> psycopg.Connection[tuple[object, ...]]:
    """An autocommit connection to the maintenance database."""
    try:
        return psycopg.connect(conninfo, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise ServiceNotReady(
            f"could not connect to the local PostgreSQL: {exc}".strip(),
            hint="Run `devenv status`; if postgres is not running, `devenv up`.",
        ) from exc


def run_script(conninfo: str, script: bytes) -> None:
    """Run a multi-statement SQL script in one transaction."""
    with psycopg.connect(conninfo) as conn:
        conn.execute(script)
