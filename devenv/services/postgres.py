"""PostgreSQL: the project's database."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from devenv.compose import fragment, published
from devenv.images import image
from devenv.probes import Probe, SqlProbe
from devenv.services import HOST, NativeCommand, NativeLayout, StackContext
from devenv.settings import Settings

# Fast to start, safe for a laptop: a crash of the machine may lose the last
# transactions, never the cluster (fsync stays on). No replication, so minimal WAL: a seed's
# COPY into tables it just truncated skips WAL altogether.
# initdb options: the C locale sorts text bytewise, which keeps index builds and ORDER BY fast.
CLUSTER_OPTIONS = ("--encoding=UTF8", "--locale=C")
SERVER_OPTIONS = (
    ("listen_addresses", HOST),
    ("unix_socket_directories", ""),
    ("synchronous_commit", "off"),
    ("wal_level", "minimal"),
    ("max_wal_senders", "0"),
    ("max_connections", "100"),
    ("shared_buffers", "128MB"),
    ("max_wal_size", "1GB"),
)


class PostgresService:
    """PostgreSQL, natively from system or embedded binaries, or as the official image."""

    name = "postgres"
    runs_natively = True

    def port_keys(self, settings: Settings, *, native: bool) -> dict[str, int]:
        """One public port: the database."""
        return {"postgres": settings.postgres.port}

    def compose_fragment(self, ctx: StackContext) -> dict[str, Any]:
        """compose/postgres.yaml with the image, port and credentials of this project."""
        pg = ctx.settings.postgres
        frag = fragment("postgres")
        service = frag["services"]["postgres"]
        service["image"] = image(ctx.settings, "postgres")
        service["environment"] = {
            "POSTGRES_USER": pg.user,
            "POSTGRES_PASSWORD": "${DEVENV_POSTGRES_PASSWORD:?run devenv compose}",
            # Not the project's database: devenv creates, migrates and seeds that one itself.
            "POSTGRES_DB": "postgres",
        }
        service["ports"] = [published(ctx.port("postgres"), 5432)]
        if pg.version >= 18:  # the official 18+ images keep PGDATA in a versioned subdirectory
            service["volumes"] = ["postgres-data:/var/lib/postgresql"]
        return frag

    def initdb_argv(self, layout: NativeLayout, pwfile: Path, *, user: str) -> tuple[str, ...]:
        """Create a cluster; the superuser password is read from pwfile."""
        assert layout.bin_dir is not None
        return (
            str(layout.bin_dir / "initdb"),
            "--pgdata",
            str(layout.data_dir),
            "--username",
            user,
            f"--pwfile={pwfile}",
            "--auth=scram-sha-256",
            *CLUSTER_OPTIONS,
            "--no-sync",
        )

    def native_command(self, ctx: StackContext, layout: NativeLayout) -> NativeCommand:
        """Run `postgres` in the foreground on 127.0.0.1 only, without a Unix socket."""
        assert layout.bin_dir is not None
        argv = [str(layout.bin_dir / "postgres"), "-D", str(layout.data_dir)]
        argv += ["-p", str(ctx.port("postgres"))]
        for key, value in SERVER_OPTIONS:
            argv += ["-c", f"{key}={value}"]
        return NativeCommand(tuple(argv), unprivileged=True, stop_signal=signal.SIGINT)

    def probe(self, ctx: StackContext) -> Probe:
        """Ready when `select 1` answers on the maintenance database."""
        return SqlProbe(admin_conninfo(ctx), display=f"{HOST}:{ctx.port('postgres')}")

    def environment(self, ctx: StackContext) -> dict[str, str]:
        """DATABASE_URL for the application."""
        return {"DATABASE_URL": database_url(ctx)}

    def url(self, ctx: StackContext) -> str:
        """The database URL without its password."""
        pg = ctx.settings.postgres
        return f"postgresql://{pg.user}@{HOST}:{ctx.port('postgres')}/{pg.database}"


def database_url(ctx: StackContext, *, database: str | None = None) -> str:
    """The full URL, password included, for the project's database (or another one)."""
    pg = ctx.settings.postgres
    password = quote(ctx.secrets.postgres_password, safe="")
    name = database or pg.database
    return f"postgresql://{pg.user}:{password}@{HOST}:{ctx.port('postgres')}/{name}"


def admin_conninfo(ctx: StackContext) -> str:
    """A URL to a maintenance database other than the project's, to create and drop it."""
    other = "template1" if ctx.settings.postgres.database == "postgres" else "postgres"
    return database_url(ctx, database=other)


SERVICE = PostgresService()
