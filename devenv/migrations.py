"""Apply the project's SQL migrations in order, tracked in a table, refusing edited history."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

from devenv.errors import MigrationError

# Schemas the Supabase database surface makes; a migration using one needs `[supabase] enabled`.
SUPABASE_SCHEMAS = frozenset({"auth", "storage", "extensions", "graphql_public", "realtime"})
TRACKING_DDL = """
create schema if not exists devenv;
create table if not exists devenv.schema_migrations (
    version    text primary key,
    name       text not null,
    checksum   text not null,
    applied_at timestamptz not null default now()
)
"""


@dataclass(frozen=True)
class Migration:
    """One SQL file: `<version>_<name>.sql`, versions sort in order."""

    version: str
    name: str
    path: Path
    checksum: str


@dataclass(frozen=True)
class MigrationReport:
    """What was applied now, and what had been applied before."""

    applied: tuple[str, ...]
    already: int


def discover(directory: Path) -> list[Migration]:
    """Every *.sql file in the directory, sorted by file name."""
    if not directory.is_dir():
        return []
    found = []
    for path in sorted(directory.glob("*.sql")):
        version, _, name = path.stem.partition("_")
        try:
            data = path.read_bytes()
            data.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise MigrationError(
                f"{path}: cannot read it as UTF-8 text: {exc}",
                hint="Migrations are UTF-8 SQL files: fix or move that file, then run the "
                "command again.",
            ) from exc
        digest = hashlib.sha256(data).hexdigest()
        found.append(Migration(version, name or version, path, digest))
    versions = [m.version for m in found]
    dupes = sorted({v for v in versions if versions.count(v) > 1})
    if dupes:
        raise MigrationError(
            f"two migrations in {directory} share the version {dupes[0]}",
            hint="Give every migration file a unique leading version, e.g. a UTC timestamp.",
        )
    return found


def apply(conninfo: str, migrations: list[Migration]) -> MigrationReport:
    """Apply pending migrations, each in its own transaction with its tracking row."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(TRACKING_DDL)
        rows = conn.execute("select version, checksum from devenv.schema_migrations").fetchall()
        done = {str(v): str(c) for v, c in rows}
        _check_history(migrations, done)
        applied = []
        for migration in migrations:
            if migration.version in done:
                continue
            _apply_one(conn, migration)
            applied.append(migration.path.name)
    return MigrationReport(tuple(applied), len(done))


def _check_history(migrations: list[Migration], done: dict[str, str]) -> None:
    """An applied migration whose file changed since is an error that names the file."""
    for migration in migrations:
        recorded = done.get(migration.version)
        if recorded is not None and recorded != migration.checksum:
            raise MigrationError(
                f"{migration.path} was edited after it was applied",
                hint="Put the change in a new migration file, or run `devenv reset` to "
                "rebuild the database from the edited history.",
            )


def _apply_one(conn: psycopg.Connection[tuple[object, ...]], migration: Migration) -> None:
    """Run one file and record it atomically."""
    text = migration.path.read_text(encoding="utf-8")
    try:
        with conn.transaction():
            conn.execute(text.encode())
            conn.execute(
                "insert into devenv.schema_migrations (version, name, checksum)"
                " values (%s, %s, %s)",
                (migration.version, migration.name, migration.checksum),
            )
    except psycopg.Error as exc:
        hint = f"Fix {migration.path.name}, then run `devenv up` again; none of it was applied."
        missing = re.search(r'schema "(\w+)" does not exist', str(exc))
        if missing and missing.group(1) in SUPABASE_SCHEMAS:
            hint = (
                f"Schema {missing.group(1)} is Supabase's: set `[supabase] enabled = true` in "
                "devenv.toml, then run `devenv up` again; none of the migration was applied."
            )
        raise MigrationError(
            f"{migration.path} failed: {exc}".strip(),
            hint=hint,
        ) from exc
