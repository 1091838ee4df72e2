"""Postgres side: truncate, set keys aside, COPY, fill deferred edges, restore keys, provenance."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from devenv.errors import TablesInUse
from devenv.seeding.stream import HEADER, TRAILER

log = logging.getLogger(__name__)

_KEYS = """
SELECT rn.nspname || '.' || r.relname, n.nspname, c.relname, con.conname, con.contype,
       pg_get_constraintdef(con.oid), obj_description(con.oid, 'pg_constraint')
FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class r ON r.oid = con.confrelid LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace
WHERE con.conparentid = 0  -- a partition's copy of its parent's key goes with the parent's
  AND ((con.contype = 'f' AND (con.conrelid = ANY(%(all)s) OR con.confrelid = ANY(%(all)s)))
       OR (con.contype IN ('p', 'u') AND con.conrelid = ANY(%(plain)s)))
ORDER BY con.contype = 'f', n.nspname, c.relname, con.conname
"""
_DEFAULT = """
SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d
JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
WHERE d.adrelid = %s::regclass AND a.attname = %s
"""
_INDEXES = """
SELECT n.nspname, c.relname, ic.relname, pg_get_indexdef(i.indexrelid), i.indisclustered,
       i.indisreplident, obj_description(i.indexrelid, 'pg_class')
FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE i.indrelid = ANY(%(plain)s)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k
                  WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)
ORDER BY n.nspname, c.relname, ic.relname
"""
_SEQUENCES = """
SELECT DISTINCT n.nspname, c.relname, s.seqcache
FROM pg_depend d JOIN pg_sequence s ON s.seqrelid = d.objid
JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
  AND d.refobjid = ANY(%s) AND d.deptype IN ('a', 'i') AND s.seqcache < %s
ORDER BY n.nspname, c.relname
"""
# Ascending sequences that the DEFAULT of a column of these tables takes values from.
_DEFAULT_SEQUENCES = """
SELECT DISTINCT n.nspname, c.relname, a.attname, sn.nspname, s.relname
FROM pg_attrdef d
JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
JOIN pg_class c ON c.oid = d.adrelid JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_depend dep ON dep.classid = 'pg_attrdef'::regclass AND dep.objid = d.oid
  AND dep.refclassid = 'pg_class'::regclass
JOIN pg_class s ON s.oid = dep.refobjid AND s.relkind = 'S'
JOIN pg_namespace sn ON sn.oid = s.relnamespace
JOIN pg_sequence q ON q.seqrelid = s.oid AND q.seqincrement > 0
WHERE d.adrelid = ANY(%s) AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)
ORDER BY 1, 2, 3
"""
# Values a sequence hands out per lock of its page while the load runs.
SEQUENCE_CACHE = 8192
# How long the seed waits for a lock another session holds (seconds), before failing.
TABLE_LOCK_WAIT = 5.0
# Other sessions holding locks on the given tables or on their identity and serial sequences
# (TRUNCATE ... RESTART IDENTITY takes those too), and for how long they have been in state.
_HOLDERS = """
SELECT a.pid, a.application_name, a.usename, a.state,
       extract(epoch FROM clock_timestamp() - coalesce(a.xact_start, a.state_change))::float8
FROM pg_stat_activity a
WHERE a.pid IN (
  SELECT l.pid FROM pg_locks l
  WHERE l.granted AND l.pid <> pg_backend_pid()
    AND (l.relation = ANY(%(tables)s) OR l.relation IN (
      SELECT d.objid FROM pg_depend d
      WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
        AND d.refobjid = ANY(%(tables)s) AND d.deptype IN ('a', 'i'))))
ORDER BY a.pid
"""
# Materialized views that read seeded tables, directly or through other views, and hold data;
# the deepest last, so a view built on another is refreshed after it.
_VIEWS = """
WITH RECURSIVE reads(view, base) AS (
    SELECT DISTINCT r.ev_class, d.refobjid
    FROM pg_rewrite r JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
    WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid <> r.ev_class
), reach(view, depth) AS (
    SELECT view, 1 FROM reads WHERE base = ANY(%s)
    UNION
    SELECT reads.view, reach.depth + 1 FROM reads JOIN reach ON reads.base = reach.view
    WHERE reach.depth < 32
)
SELECT n.nspname, c.relname FROM reach JOIN pg_class c ON c.oid = reach.view
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'm' AND c.relispopulated
GROUP BY n.nspname, c.relname ORDER BY max(reach.depth), n.nspname, c.relname
"""
_PROVENANCE = [
    "CREATE SCHEMA IF NOT EXISTS devenv_meta",
    """CREATE TABLE IF NOT EXISTS devenv_meta.seed_runs (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        seed bigint NOT NULL, scale text NOT NULL, devenv_version text NOT NULL,
        started_at timestamptz NOT NULL, finished_at timestamptz NOT NULL DEFAULT now(),
        rows bigint NOT NULL, objects integer NOT NULL, tables jsonb NOT NULL,
        synthetic boolean NOT NULL DEFAULT true)""",
    "COMMENT ON TABLE devenv_meta.seed_runs IS"
    " 'Synthetic data loads by devenv seed: all seeded rows are fake.'",
    """CREATE TABLE IF NOT EXISTS devenv_meta.seed_objects (
        bucket text NOT NULL, key text NOT NULL, PRIMARY KEY (bucket, key))""",
]


@dataclass(frozen=True)
class KeyAside:
    """A constraint or index set aside during the load."""

    schema: str
    table: str
    name: str
    kind: str
    definition: str
    comment: str | None
    clustered: bool = False
    replica: bool = False
    ref: str | None = None

    @property
    def qualified(self) -> str:
        """Return the `schema.table` the key belongs to."""
        return f"{self.schema}.{self.table}"


def ident(qualified: str) -> sql.Identifier:
    """Quote `schema.table` as an identifier."""
    schema, _, name = qualified.partition(".")
    return sql.Identifier(schema, name)


class PostgresSink:
    """Writes one seed into one transaction; nothing is visible until commit."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self.aside: list[KeyAside] = []
        self.cached: list[tuple[sql.Identifier, int]] = []

    def truncate(self, tables: list[str]) -> None:
        """Empty every seeded table and restart their identity sequences.

        A table another session holds (an open transaction that read it, say) is waited for
        TABLE_LOCK_WAIT seconds at most, here and for the rest of the seed; then the seed fails
        naming those sessions. Meanwhile their own new queries on the table queue behind it.
        """
        # Seed data is reproducible: not waiting for the commit's WAL flush is safe here.
        self.conn.execute("SET LOCAL synchronous_commit = off")
        wait = sql.Literal(f"{TABLE_LOCK_WAIT * 1000:.0f}ms")
        self.conn.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(wait))
        names = sql.SQL(", ").join(ident(t) for t in tables)
        try:
            with self.conn.transaction():
                self.conn.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY").format(names))
        except psycopg.errors.LockNotAvailable as exc:
            raise TablesInUse(self._holders(tables), TABLE_LOCK_WAIT) from exc

    def _holders(self, tables: list[str]) -> list[tuple[int, str]]:
        """The other sessions holding locks on these tables: (pid, who and what they do)."""
        rows = self.conn.execute(_HOLDERS, {"tables": self._oids(tables)}).fetchall()
        return [
            (pid, f"{app or 'no application name'}, user {user}, {state} for {age:.0f} s")
            for pid, app, user, state, age in rows
        ]

    def cache_sequences(self, tables: list[str]) -> None:
        """Let the tables' identity and serial sequences hand out values in batches during the load.

        The database still assigns every value, in the same order; `restore_sequences` puts the
        cache setting back and moves each sequence to the last value actually used.
        """
        for schema, name, cache in self.conn.execute(
            _SEQUENCES, [self._oids(tables), SEQUENCE_CACHE]
        ).fetchall():
            seq = sql.Identifier(schema, name)
            try:
                with self.conn.transaction():
                    self.conn.execute(
                        sql.SQL("ALTER SEQUENCE {} CACHE {}").format(seq, SEQUENCE_CACHE)
                    )
            except psycopg.errors.InsufficientPrivilege:
                continue  # not its owner: the load just takes one value at a time
            self.cached.append((seq, cache))

    def restore_sequences(self) -> None:
        """Undo `cache_sequences`: the original cache, and no gap before the next value."""
        for seq, cache in self.cached:
            self.conn.execute(sql.SQL("ALTER SEQUENCE {} CACHE {}").format(seq, cache))
            # currval: the last value this session took (the rows loaded), not the cached batch.
            # pg_sequence_last_value is NULL while the sequence is unused (currval would fail).
            self.conn.execute(
                "SELECT setval(s, currval(s)) FROM (SELECT %s::regclass AS s) AS q"
                " WHERE pg_sequence_last_value(s) IS NOT NULL",
                [seq.as_string(self.conn)],
            )
        self.cached = []

    def catch_up_sequences(self, written: dict[str, tuple[str, ...]]) -> None:
        """Move sequences past the values the seed wrote into columns whose DEFAULT uses them.

        A sequence the column does not own (`default nextval('ids')`, shared by two tables, say)
        is not restarted with the table, and the seed writes the column itself: without this,
        the application's next insert would take a value a seeded row already has.
        """
        found = self.conn.execute(_DEFAULT_SEQUENCES, [self._oids(list(written))]).fetchall()
        for schema, table, column, seq_schema, seq in found:
            if column not in written.get(f"{schema}.{table}", ()):
                continue
            sequence = sql.Identifier(seq_schema, seq)
            query = sql.SQL(
                "SELECT setval({seq}, m) FROM (SELECT max({col}) AS m FROM {table}) AS t"
                " WHERE m > (SELECT last_value FROM {seq_table})"
            ).format(
                seq=sql.Literal(sequence.as_string(self.conn)),
                col=sql.Identifier(column),
                table=sql.Identifier(schema, table),
                seq_table=sequence,
            )
            try:
                with self.conn.transaction():
                    self.conn.execute(query)
            except psycopg.errors.InsufficientPrivilege:
                log.warning("cannot move sequence %s.%s past the seeded %s", seq_schema, seq, table)

    def refresh_views(self, tables: list[str]) -> dict[str, str | None]:
        """Refresh the populated materialized views over `tables`, each in a savepoint.

        Returns view -> None when refreshed, or why not (the view is then left as it was: the
        role may not refresh it, or its query fails on the seeded rows).
        """
        done: dict[str, str | None] = {}
        for schema, name in self.conn.execute(_VIEWS, [self._oids(tables)]).fetchall():
            view = sql.Identifier(schema, name)
            try:
                with self.conn.transaction():
                    self.conn.execute(sql.SQL("REFRESH MATERIALIZED VIEW {}").format(view))
                done[f"{schema}.{name}"] = None
            except psycopg.Error as exc:
                done[f"{schema}.{name}"] = str(exc).splitlines()[0]
        return done

    def set_keys_aside(self, tables: list[str], plain: list[str]) -> None:
        """Drop FKs, unique keys and indexes (re-created after the load, which validates them)."""
        oids = {"all": self._oids(tables), "plain": self._oids(plain)}
        for row in self.conn.execute(_KEYS, oids).fetchall():
            ref, schema, table, name, kind, definition, comment = row
            self.aside.append(KeyAside(schema, table, name, kind, definition, comment, ref=ref))
        for schema, table, name, definition, clustered, replica, comment in self.conn.execute(
            _INDEXES, oids
        ).fetchall():
            self.aside.append(
                KeyAside(schema, table, name, "i", definition, comment, clustered, replica)
            )
        drops = [
            sql.SQL("DROP INDEX {}").format(sql.Identifier(key.schema, key.name))
            if key.kind == "i"
            else sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                sql.Identifier(key.schema, key.table), sql.Identifier(key.name)
            )
            for key in sorted(self.aside, key=lambda k: {"f": 0, "p": 1, "u": 1, "i": 2}[k.kind])
        ]
        if drops:
            # One round trip for all of them.
            self.conn.execute(sql.SQL("; ").join(drops))

    def _oids(self, tables: list[str]) -> list[int]:
        query = "SELECT to_regclass(t)::oid FROM unnest(%s::text[]) AS t"
        quoted = [sql.Identifier(*t.split(".", 1)).as_string(self.conn) for t in tables]
        return [r[0] for r in self.conn.execute(query, [quoted]).fetchall() if r[0] is not None]

    def trust_foreign_keys(self) -> bool:
        """Skip per-row foreign key triggers for the rest of the transaction (superuser only).

        The generator makes every foreign key point at an existing parent row, so the bulk path
        loads with session_replication_role = replica, as pg_restore --disable-triggers does.
        Returns False (and changes nothing) when the role may not do that.
        """
        try:
            with self.conn.transaction():
                self.conn.execute("SET LOCAL session_replication_role = replica")
        except psycopg.errors.InsufficientPrivilege:
            return False
        return True

    def fire_triggers(self, *, fire: bool) -> None:
        """Fire triggers (origin) for a table with its own triggers, or skip them (replica)."""
        role = "origin" if fire else "replica"
        self.conn.execute(sql.SQL("SET LOCAL session_replication_role = {}").format(sql.SQL(role)))

    def restore_keys(self, *, ready: Callable[[KeyAside], bool] | None = None) -> None:
        """Recreate the keys set aside that are `ready` (all when None), indexes first.

        Re-adding a foreign key makes the database check every row of a non-empty table.
        """
        self.conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
        now = [k for k in self.aside if ready is None or ready(k)]
        self.aside = [k for k in self.aside if k not in now]
        for key in sorted(now, key=lambda k: {"i": 0, "p": 1, "u": 1, "f": 2}[k.kind]):
            self._restore(key)

    def _restore(self, key: KeyAside) -> None:
        """Re-create one index or constraint with its comment and flags."""
        table = sql.Identifier(key.schema, key.table)
        # Definitions come from pg_get_constraintdef/pg_get_indexdef: the server's own SQL.
        body = sql.SQL(key.definition)
        if key.kind == "i":
            self.conn.execute(body)
            target = sql.SQL("INDEX {}").format(sql.Identifier(key.schema, key.name))
        else:
            self.conn.execute(
                sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                    table, sql.Identifier(key.name), body
                )
            )
            target = sql.SQL("CONSTRAINT {} ON {}").format(sql.Identifier(key.name), table)
        if key.comment is not None:
            self.conn.execute(
                sql.SQL("COMMENT ON {} IS {}").format(target, sql.Literal(key.comment))
            )
        if key.clustered:
            self.conn.execute(
                sql.SQL("ALTER TABLE {} CLUSTER ON {}").format(table, sql.Identifier(key.name))
            )
        if key.replica:
            self.conn.execute(
                sql.SQL("ALTER TABLE {} REPLICA IDENTITY USING INDEX {}").format(
                    table, sql.Identifier(key.name)
                )
            )

    def copy(
        self,
        table: str,
        columns: tuple[str, ...],
        chunks: Iterable[bytes | memoryview],
        *,
        freeze: bool,
    ) -> None:
        """Stream binary COPY data into a table."""
        options = sql.SQL("(FORMAT binary, FREEZE)" if freeze else "(FORMAT binary)")
        statement = sql.SQL("COPY {} ({}) FROM STDIN WITH {}").format(
            ident(table), sql.SQL(", ").join(map(sql.Identifier, columns)), options
        )
        with self.conn.cursor() as cur, cur.copy(statement) as copy:
            copy.write(HEADER)
            for chunk in chunks:
                copy.write(chunk)
            copy.write(TRAILER)

    def clear(self, table: str) -> int:
        """Delete what is already in a table (rows triggers put there); return how many."""
        return self.conn.execute(sql.SQL("DELETE FROM {}").format(ident(table))).rowcount

    def swap_default(self, table: str, column: str, expression: str | None) -> str | None:
        """Set a column's DEFAULT (None drops it); return the one it had."""
        row = self.conn.execute(_DEFAULT, [ident(table).as_string(self.conn), column]).fetchone()
        target = sql.SQL("ALTER TABLE {} ALTER COLUMN {}").format(
            ident(table), sql.Identifier(column)
        )
        if expression is None:
            self.conn.execute(target + sql.SQL(" DROP DEFAULT"))
        else:  # the project's own SQL, from its seeds/ (as trusted as its migrations)
            self.conn.execute(
                target + sql.SQL(" SET DEFAULT (") + sql.SQL(expression) + sql.SQL(")")
            )
        return row[0] if row else None

    def insert_defaults(self, table: str, rows: int) -> None:
        """Insert `rows` rows of nothing but defaults, identities and generated columns."""
        self.conn.execute(
            sql.SQL("INSERT INTO {} SELECT FROM generate_series(1, %s)").format(ident(table)),
            [rows],
        )

    def fill_deferred(
        self, table: str, match: tuple[str, ...], columns: tuple[str, ...], chunks: Iterable[bytes]
    ) -> None:
        """Fill back-edge columns with one set-based UPDATE from a temporary table."""
        temp = sql.Identifier("devenv_deferred")
        every = match + columns
        self.conn.execute(
            sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA").format(
                temp, sql.SQL(", ").join(map(sql.Identifier, every)), ident(table)
            )
        )
        with (
            self.conn.cursor() as cur,
            cur.copy(sql.SQL("COPY {} FROM STDIN WITH (FORMAT binary)").format(temp)) as copy,
        ):
            copy.write(HEADER)
            for chunk in chunks:
                copy.write(chunk)
            copy.write(TRAILER)
        assignments = sql.SQL(", ").join(
            sql.SQL("{0} = d.{0}").format(sql.Identifier(c)) for c in columns
        )
        joins = sql.SQL(" AND ").join(
            sql.SQL("t.{0} = d.{0}").format(sql.Identifier(c)) for c in match
        )
        self.conn.execute(
            sql.SQL("UPDATE {} AS t SET {} FROM {} AS d WHERE {}").format(
                ident(table), assignments, temp, joins
            )
        )
        self.conn.execute(sql.SQL("DROP TABLE {}").format(temp))

    def record(
        self,
        *,
        seed: int,
        scale: str,
        version: str,
        started: Any,
        rows: int,
        objects: int,
        tables: dict[str, int],
    ) -> None:
        """Write the provenance record (devenv_meta.seed_runs) in the same transaction."""
        self._meta_tables()
        self.conn.execute(
            "INSERT INTO devenv_meta.seed_runs (seed, scale, devenv_version, started_at, rows, objects, tables)"  # noqa: E501
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (seed, scale, version, started, rows, objects, json.dumps(tables)),
        )

    def _meta_tables(self) -> None:
        """Create devenv_meta and its provenance tables where they are missing."""
        for statement in _PROVENANCE:
            self.conn.execute(statement)

    def previous_objects(self) -> set[tuple[str, str]]:
        """Return the (bucket, key) pairs seeds put and devenv has not removed yet.

        They come from devenv_meta.seed_objects: the last seed's objects, and those of earlier
        or failed seeds that are not removed yet.
        """
        row = self.conn.execute("SELECT to_regclass('devenv_meta.seed_objects')").fetchone()
        if row is None or row[0] is None:
            return set()
        rows = self.conn.execute("SELECT bucket, key FROM devenv_meta.seed_objects").fetchall()
        return {(bucket, key) for bucket, key in rows}

    def previous_run(self) -> tuple[int, str] | None:
        """Return (seed, scale) of the last seed recorded in devenv_meta.seed_runs, if any."""
        row = self.conn.execute("SELECT to_regclass('devenv_meta.seed_runs')").fetchone()
        if row is None or row[0] is None:
            return None
        last = self.conn.execute(
            "SELECT seed, scale FROM devenv_meta.seed_runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return None if last is None else (int(last[0]), str(last[1]))

    def record_objects(self, keys: set[tuple[str, str]]) -> None:
        """Replace the record of the seeds' objects (in the seed's transaction)."""
        self.conn.execute("TRUNCATE devenv_meta.seed_objects")
        with (
            self.conn.cursor() as cur,
            cur.copy("COPY devenv_meta.seed_objects FROM STDIN") as copy,
        ):
            for item in sorted(keys):
                copy.write_row(item)

    def remember_objects(self, keys: set[tuple[str, str]]) -> None:
        """Add objects about to be put to the record (the caller commits)."""
        self._meta_tables()
        self.conn.execute(
            "INSERT INTO devenv_meta.seed_objects (bucket, key)"
            " SELECT * FROM unnest(%s::text[], %s::text[]) ON CONFLICT DO NOTHING",
            _columns(keys),
        )

    def forget_objects(self, keys: set[tuple[str, str]]) -> None:
        """Drop removed objects from the record."""
        self.conn.execute(
            "DELETE FROM devenv_meta.seed_objects AS o"
            " USING unnest(%s::text[], %s::text[]) AS gone (bucket, key)"
            " WHERE o.bucket = gone.bucket AND o.key = gone.key",
            _columns(keys),
        )


def _columns(keys: set[tuple[str, str]]) -> list[list[str]]:
    """(bucket, key) pairs as two parallel lists, for unnest()."""
    ordered = sorted(keys)
    return [[bucket for bucket, _ in ordered], [key for _, key in ordered]]
