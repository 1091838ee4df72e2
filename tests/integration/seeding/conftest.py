"""Real servers for the seed engine's tests: PostgreSQL 15 and SeaweedFS, stopped by pid.

Small on purpose: the shared native-runner fixtures will replace them.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

PG_BIN = Path("/usr/lib/postgresql/15/bin")
WEED = Path(sys.executable).parent / "weed"
CLINIC = Path(__file__).resolve().parents[3] / "templates" / "clinic"


def _missing(reason: str) -> None:
    """Skip with a reason, unless CI says the servers must be there."""
    if os.environ.get("DEVENV_REQUIRE_SERVERS"):
        pytest.fail(reason)
    pytest.skip(reason)


def free_port(*, with_grpc: bool = False) -> int:
    """Return a free loopback port (whose +10000 gRPC twin is free too when asked)."""
    for _ in range(200):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if not with_grpc:
            return port
        if port + 10000 < 65536 and _is_free(port + 10000):
            return port
    raise RuntimeError("no free port pair found")


def _is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGINT) -> None:
    """Stop one server process by pid: polite signal, wait, then SIGKILL."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@dataclass(frozen=True)
class PgServer:
    """A running PostgreSQL: connection parameters without a database name."""

    port: int

    def conninfo(self, dbname: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname}"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """Start PostgreSQL 15 as the `postgres` OS user on a free port; stop it by pid at the end."""
    if not (PG_BIN / "postgres").exists():
        _missing(f"PostgreSQL 15 binaries not found in {PG_BIN}")
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        _missing("no `postgres` OS user to run the server as")
    root = Path(tempfile.mkdtemp(dir="/tmp", prefix="devenv-seed-pg-"))
    os.chown(root, user.pw_uid, user.pw_gid)
    data, log = root / "data", root / "server.log"
    proc: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run(
            [
                str(PG_BIN / "initdb"),
                "--no-sync",
                "-U",
                "postgres",
                "--auth=trust",
                "-D",
                str(data),
            ],
            user="postgres",
            check=True,
            capture_output=True,
            timeout=120,
        )
        port = free_port()
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [
                    str(PG_BIN / "postgres"),
                    "-D",
                    str(data),
                    "-p",
                    str(port),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    "unix_socket_directories=",
                    "-c",
                    "fsync=off",
                    "-c",
                    "autovacuum=off",
                ],
                user="postgres",
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        server = PgServer(port)
        _wait_for_postgres(server, proc, log)
        yield server
    finally:
        if proc is not None:
            _stop(proc)
        shutil.rmtree(root, ignore_errors=True)


def _wait_for_postgres(
    server: PgServer, proc: subprocess.Popen[bytes], log: Path, timeout: float = 30
) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"postgres exited early:\n{log.read_text(errors='replace')[-2000:]}")
        try:
            psycopg.connect(server.conninfo(), connect_timeout=2).close()
            return
        except psycopg.OperationalError as exc:
            last = exc
            time.sleep(0.1)
    raise RuntimeError(
        f"postgres not ready within {timeout} s: {last}\n{log.read_text(errors='replace')[-2000:]}"
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


@dataclass(frozen=True)
class S3Server:
    """A running SeaweedFS S3 endpoint and the keys it accepts."""

    endpoint: str
    access_key: str
    secret_key: str


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """Start `weed mini` on free loopback ports; stop it by pid at the end."""
    if not WEED.exists():
        _missing(f"SeaweedFS `weed` binary not found at {WEED}")
    root = Path(tempfile.mkdtemp(dir="/tmp", prefix="devenv-seed-s3-"))
    ports = {
        name: free_port(with_grpc=True) for name in ("s3", "master", "volume", "filer", "admin")
    }
    ports |= {name: free_port() for name in ("iceberg", "lance")}
    keys = {"AWS_ACCESS_KEY_ID": "devenvseedtest", "AWS_SECRET_ACCESS_KEY": "devenvseedtestsecret"}
    argv = [
        str(WEED),
        "mini",
        f"-dir={root / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-s3.port={ports['s3']}",
        f"-master.port={ports['master']}",
        f"-volume.port={ports['volume']}",
        f"-filer.port={ports['filer']}",
        f"-admin.port={ports['admin']}",
        f"-s3.port.iceberg={ports['iceberg']}",
        f"-s3.port.lance={ports['lance']}",
        "-admin.ui=false",
        "-webdav=false",
        "-master.telemetry=false",
    ]
    (root / "data").mkdir()
    log = root / "weed.log"
    proc: subprocess.Popen[bytes] | None = None
    try:
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                argv, env={**os.environ, **keys}, stdout=out, stderr=subprocess.STDOUT
            )
        server = S3Server(
            f"127.0.0.1:{ports['s3']}", keys["AWS_ACCESS_KEY_ID"], keys["AWS_SECRET_ACCESS_KEY"]
        )
        _wait_for_s3(server, proc, log)
        yield server
    finally:
        if proc is not None:
            _stop(proc, signal.SIGTERM)
        shutil.rmtree(root, ignore_errors=True)


def _wait_for_s3(
    server: S3Server, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60
) -> None:
    from minio import Minio

    client = Minio(
        server.endpoint, access_key=server.access_key, secret_key=server.secret_key, secure=False
    )
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"weed exited early:\n{log.read_text(errors='replace')[-2000:]}")
        try:
            client.list_buckets()
            return
        except Exception as exc:
            last = exc
            time.sleep(0.2)
    raise RuntimeError(
        f"S3 not ready within {timeout} s: {last}\n{log.read_text(errors='replace')[-2000:]}"
    )


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
    params = psycopg.conninfo.conninfo_to_dict(conninfo)
    argv = [
        str(PG_BIN / "pg_dump"),
        "--data-only",
        "--schema=public",
        "-h",
        "127.0.0.1",
        "-p",
        str(params["port"]),
        "-U",
        "postgres",
        str(params["dbname"]),
    ]
    out = subprocess.run(argv, check=True, capture_output=True, text=True, timeout=120).stdout
    # pg_dump brackets its output with a random \restrict key; it is not data.
    return "\n".join(
        line for line in out.splitlines() if not line.startswith(("\\restrict", "\\unrestrict"))
    )
