"""Run SQL as a Supabase user, the way PostgREST does, to test row-level security locally.

PostgREST runs each request in a transaction with `SET LOCAL ROLE <role>` and the JWT claims in
`request.jwt.claims`; `auth.uid()` and friends read them. This module does the same:

    with psycopg.connect(DATABASE_URL) as conn, as_user(conn, "ada@example.com"):
        rows = conn.execute("select * from notes").fetchall()   # only Ada's notes
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from devenv.errors import ConfigError

API_ROLES = ("anon", "service_role")


@dataclass(frozen=True)
class Identity:
    """Whom a query runs as: a database role and the JWT claims PostgREST would set."""

    role: str
    claims: dict[str, Any]


@dataclass(frozen=True)
class QueryResult:
    """Column names and rows of one query (empty for statements without results)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    status: str


def identity(conn: psycopg.Connection[Any], who: str) -> Identity:
    """`anon`, `service_role`, or a user of auth.users given by email or id."""
    if who in API_ROLES:
        return Identity(who, {"role": who})
    try:
        row = conn.execute(
            "select id, email from auth.users where id = %s", (uuid.UUID(who),)
        ).fetchone()
    except ValueError:
        row = conn.execute(
            "select id, email from auth.users where lower(email) = lower(%s)", (who,)
        ).fetchone()
    if row is None:
        raise ConfigError(
            f"no user {who!r} in auth.users",
            hint='List some with `devenv sql "select id, email from auth.users limit 5"`.',
        )
    claims = {"sub": str(row[0]), "email": row[1], "role": "authenticated", "aud": "authenticated"}
    return Identity("authenticated", claims)


@contextmanager
def as_user(conn: psycopg.Connection[Any], who: str) -> Iterator[Identity]:
    """Inside the block, the connection acts as `who` (in one transaction, as PostgREST does)."""
    ident = identity(conn, who)
    with conn.transaction():
        conn.execute(
            "select set_config('request.jwt.claims', %s, true)", (json.dumps(ident.claims),)
        )
        conn.execute(sql.SQL("set local role {}").format(sql.Identifier(ident.role)))
        yield ident


def query_as(conninfo: str, who: str | None, query: str) -> QueryResult:
    """Run one statement as `who` (or as the database owner when None) and return its rows."""
    with psycopg.connect(conninfo) as conn:
        if who is None:
            return _fetch(conn, query)
        with as_user(conn, who):
            return _fetch(conn, query)


def _fetch(conn: psycopg.Connection[Any], query: str) -> QueryResult:
    """Execute and collect the result."""
    cursor = conn.execute(query.encode())
    columns = tuple(d.name for d in cursor.description or ())
    rows = tuple(tuple(r) for r in cursor.fetchall()) if cursor.description else ()
    return QueryResult(columns, rows, cursor.statusmessage or "")
