"""The seed engine's tests run against the session's native stack (tests/integration/conftest.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from devenv.services import StackContext
from devenv.services.postgres import database_url
from tests.integration.seeding.support import apply_sql

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


@pytest.fixture
def clinic_db(db: str) -> str:
    """A database with the clinic example's migrations applied."""
    apply_sql(db, *(p.read_text() for p in sorted((CLINIC / "migrations").glob("*.sql"))))
    return db
