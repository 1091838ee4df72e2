"""The seed engine's tests run against the session's native stack (tests/integration/conftest.py)."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from devenv.runners.pgbin import find_binaries
from devenv.services import StackContext
from devenv.services.postgres import database_url
from devenv.settings import PostgresSettings

CLINIC = Path(__file__).resolve().parents[3] / "templates" / "clinic"


@dataclass(frozen=True)
class PgServer:
    """The session stack's PostgreSQL: URLs to any of its databases."""

    ctx: StackContext

    def conninfo(self, dbname: str = "postgres") -> str:
        return database_url(self.ctx, database=dbname)


@dataclass(frozen=True)
class S3Server:
    """The session stack's S3 endpoint and the keys it accepts."""

    endpoint: str
    access_key: str
    secret_key: str


@pytest.fixture(scope="session")
def pg_server(native_stack: StackContext) -> PgServer:
    """PostgreSQL as devenv's native runner runs it (one server for the whole session)."""
    return PgServer(native_stack)


@pytest.fixture(scope="session")
def s3_server(native_stack: StackContext) -> S3Server:
    """SeaweedFS as devenv's native runner runs it."""
    secrets = native_stack.secrets
    return S3Server(
        f"127.0.0.1:{native_stack.port('s3')}", secrets.s3_access_key, secrets.s3_secret_key
    )


@pytest.fixture
def db(pg_server: PgServer) -> Iterator[str]:
    """A fresh, empty database for one test; dropped afterwards."""
    name = f"seed_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
    yield pg_server.conninfo(name)
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def apply_sql(conninfo: str, *scripts: str) -> None:
    """Run SQL scripts (several statements each) in one transaction."""
    with psycopg.connect(conninfo) as conn:
        for script in scripts:
            conn.execute(script)  # type: ignore[call-overload]


@pytest.fixture
def clinic_db(db: str) -> str:
    """A database with the clinic example's migrations applied."""
    apply_sql(db, *(p.read_text() for p in sorted((CLINIC / "migrations").glob("*.sql"))))
    return db


_FOREIGN_KEYS = """
SELECT con.conname, con.conrelid::regclass::text, con.confrelid::regclass::text,
       ARRAY(SELECT attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY i),
       ARRAY(SELECT attname FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY i)
FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
WHERE con.contype = 'f' AND n.nspname = 'public'
"""


def fk_violations(conninfo: str) -> dict[str, int]:
    """Count, per foreign key, child rows whose parent does not exist (checked independently)."""
    out: dict[str, int] = {}
    with psycopg.connect(conninfo) as conn:
        for name, child, parent, cols, refs in conn.execute(_FOREIGN_KEYS).fetchall():
            match = sql.SQL(" AND ").join(
                sql.SQL("p.{} = c.{}").format(sql.Identifier(r), sql.Identifier(c))
                for c, r in zip(cols, refs, strict=True)
            )
            present = sql.SQL(" AND ").join(
                sql.SQL("c.{} IS NOT NULL").format(sql.Identifier(c)) for c in cols
            )
            query = sql.SQL(
                "SELECT count(*) FROM {} c WHERE {} AND NOT EXISTS (SELECT 1 FROM {} p WHERE {})"
            ).format(sql.SQL(child), present, sql.SQL(parent), match)
            out[name] = conn.execute(query).fetchone()[0]  # type: ignore[index]
    return out


def table_rows(conninfo: str, table: str, limit: int | None = None) -> list[tuple[object, ...]]:
    """Return a table's rows in load order (physical order right after a seed)."""
    query = sql.SQL("SELECT * FROM {} ORDER BY ctid").format(sql.Identifier(*table.split(".")))
    if limit is not None:
        query = sql.SQL("{} LIMIT {}").format(query, sql.Literal(limit))
    with psycopg.connect(conninfo) as conn:
        return conn.execute(query).fetchall()


def public_tables(conninfo: str) -> list[str]:
    """Return the names of the public schema's tables."""
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        ).fetchall()
    return [r[0] for r in rows]


def data_dump(conninfo: str) -> str:
    """`pg_dump --data-only` of the public schema (no provenance, which holds a timestamp)."""
    pg_dump = find_binaries(PostgresSettings().version).bin_dir / "pg_dump"  # as the stack's
    argv = [str(pg_dump), "--data-only", "--schema=public", f"--dbname={conninfo}"]
    out = subprocess.run(argv, check=True, capture_output=True, text=True, timeout=120).stdout
    # pg_dump brackets its output with a random \restrict key; it is not data.
    return "\n".join(
        line for line in out.splitlines() if not line.startswith(("\\restrict", "\\unrestrict"))
    )
