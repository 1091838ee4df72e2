"""Helpers for the seed engine's tests: apply SQL, dump data, check foreign keys."""

from __future__ import annotations

import subprocess

import psycopg
from psycopg import sql

from devenv.runners.pgbin import find_binaries
from devenv.settings import PostgresSettings


def apply_sql(conninfo: str, *scripts: str) -> None:
    """Run SQL scripts (several statements each) in one transaction."""
    with psycopg.connect(conninfo) as conn:
        for script in scripts:
            conn.execute(script)  # type: ignore[call-overload]


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
