"""run_seed: read the schema, plan, stream rows and objects, commit once."""

from __future__ import annotations

import logging
import os
import re
import struct
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from devenv import __version__
from devenv.errors import NothingToSeed, SeedError
from devenv.seeding import definitions, safety, scales
from devenv.seeding.catalog import read_schema
from devenv.seeding.columns import make_plan
from devenv.seeding.definitions import ColumnDef
from devenv.seeding.gens import Block
from devenv.seeding.model import Column, Schema
from devenv.seeding.objects import render
from devenv.seeding.planning import Plan, Planner, TablePlan
from devenv.seeding.report import ProgressCallback, SeedReport, TableReport, peak_rss_mb
from devenv.seeding.s3sink import ObjectSink, S3Target, Upload
from devenv.seeding.scope import select
from devenv.seeding.sink import KeyAside, PostgresSink, ident
from devenv.seeding.stream import CHUNK, HEADER, TRAILER, ChunkStream, chunk_bytes
from devenv.seeding.values import coerce, encoder

log = logging.getLogger(__name__)
PARALLEL_FROM_ROWS = 50_000
KEYS_ASIDE_FROM_ROWS = 20_000
KEPT_ROWS_LIMIT = 100_000


def run_seed(
    conninfo: str,
    *,
    definitions_dir: Path | None,
    scale: str,
    seed: int,
    s3: S3Target | None = None,
    buckets: Mapping[str, str] | None = None,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
) -> SeedReport:
    """Replace the seed data of a local database (and its object store) in one transaction."""
    started = time.perf_counter()
    safety.check_database(conninfo)
    if s3 is not None:
        safety.check_endpoint(s3.endpoint)
    scales.multiplier(scale)
    defs = definitions.load(definitions_dir)
    try:
        conn = psycopg.connect(conninfo, autocommit=False)
    except psycopg.OperationalError as exc:
        raise SeedError(
            f"cannot connect to the database: {exc}", hint="Start the stack with `devenv up`."
        ) from exc
    phases = Phases()
    uploads: ObjectSink | None = None
    try:
        with conn:
            plan = _plan(conn, defs, seed=seed, scale=scale)
            phases.mark("plan")
            count = _workers(plan, workers)
            previous: set[tuple[str, str]] = set()
            unchanged: frozenset[tuple[str, str]] = frozenset()
            if s3 is not None:
                last = PostgresSink(conn)
                previous = last.previous_objects()
                # The same seed at the same scale put the same objects with the same metadata.
                if last.previous_run() == (seed, scale):
                    unchanged = frozenset(previous)
            target = Objects(conninfo, s3, buckets, previous, unchanged) if s3 else None
            reports, uploads = _seed(conn, plan, count, progress, phases, target)
        phases.mark("commit")
        if uploads is not None and target is not None:
            _after_commit(plan, uploads, target)
    except psycopg.Error as exc:  # outside a guarded step: planning, truncation or the commit
        raise _failure("the seed", exc) from exc
    finally:
        if uploads is not None:
            uploads.close()
    objects = uploads.count if uploads is not None else 0
    seconds = time.perf_counter() - started
    return SeedReport(scale, seed, tuple(reports), objects, seconds, count, peak_rss_mb(),
                      tuple(plan.notes), phases.done())  # fmt: skip


def _seed(
    conn: psycopg.Connection[Any],
    plan: Plan,
    workers: int,
    progress: ProgressCallback | None,
    phases: Phases,
    objects: Objects | None,
) -> tuple[list[TableReport], ObjectSink | None]:
    """Upload objects while the rows load; record provenance; the caller's `with` commits.

    On success the upload worker is left running, to prune after the commit. The record of
    the seeds' objects keeps the previous ones until they are known to be removed.
    """
    wall = datetime.now(UTC)
    if objects is None:
        plan.notes.extend(
            f"{t.name}.{t.objects.key_column}: no S3 target given, objects not uploaded"
            for t in plan.tables
            if t.objects is not None and t.rows
        )
    uploads = _start_uploads(plan, objects) if objects is not None else None
    try:
        reports = _load(conn, plan, workers, progress, phases, uploads)
        count = uploads.wait() if uploads is not None else 0
        phases.mark("objects")
    except BaseException:
        if uploads is not None:
            uploads.close()
        raise
    rows = {r.name: r.rows for r in reports}
    sink = PostgresSink(conn)
    sink.record(seed=plan.seed, scale=plan.scale, version=__version__, started=wall,
                rows=sum(rows.values()), objects=count, tables=rows)  # fmt: skip
    if uploads is not None and objects is not None:
        sink.record_objects(uploads.keys | objects.previous)
    return reports, uploads


def _after_commit(plan: Plan, uploads: ObjectSink, objects: Objects) -> None:
    """Note the objects left in place, and remove the previous seeds' leftovers.

    Removed objects leave the record in a transaction of their own. Those that could not be
    removed (an error, Ctrl-C) stay in it, and the next seed removes them.
    """
    if uploads.skipped:
        plan.notes.append(
            f"{uploads.skipped} objects were already in place from the previous seed (same seed,"
            " scale and content) and were not uploaded again"
        )
    # Only after the commit: the previous seed's rows pointed at these until then.
    removed = uploads.prune(objects.previous)
    if removed:
        plan.notes.append(f"removed {len(removed)} objects left by earlier seeds")
        try:
            with psycopg.connect(objects.conninfo) as conn:
                PostgresSink(conn).forget_objects(removed)
        except psycopg.Error as exc:  # the next seed removes them again, which S3 allows
            log.warning("could not update the record of seed objects: %s", exc)


class Phases:
    """Wall-clock time spent in each step, for the report."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.spent: list[tuple[str, float]] = []

    def mark(self, name: str) -> None:
        """Close the current step under `name`."""
        now = time.perf_counter()
        self.spent.append((name, now - self.last))
        self.last = now

    def done(self) -> tuple[tuple[str, float], ...]:
        """Return (step, seconds) pairs."""
        return tuple(self.spent)


def _plan(
    conn: psycopg.Connection[Any], defs: definitions.Definitions, *, seed: int, scale: str
) -> Plan:
    """Read the schema and build the plan."""
    schema = read_schema(conn)
    scope = select(schema, defs)
    if not scope.order:
        raise NothingToSeed(
            f"no tables to seed in schemas {', '.join(defs.schemas)}",
            hint="Run `devenv up` to apply the migrations first, or set [settings] schemas.",
        )
    kept = {q: _kept_rows(conn, schema, q, scope.order) for q in scope.kept}
    planner = Planner(schema, defs, scope, seed=seed, scale=scale, kept_rows=kept)
    if scope.left:
        listed = ", ".join(f"{name} ({count} tables)" for name, count in scope.left)
        planner.notes.append(
            f"schemas not seeded, their tables left as they are: {listed};"
            " add them to [settings] schemas in seeds/ to seed them"
        )
    planner.probe = partial(_probe, conn, {})
    planner.evaluate = partial(_evaluate, conn)
    return make_plan(planner)


def _evaluate(conn: psycopg.Connection[Any], expression: str) -> Any:
    """The value of a constant expression (the server's own deparsed DEFAULT, say)."""
    with conn.transaction(force_rollback=True):
        row = conn.execute(sql.SQL("SELECT {}").format(sql.SQL(expression))).fetchone()
    return row[0] if row else None


def _probe(
    conn: psycopg.Connection[Any],
    types: dict[int, str],
    table: str,
    columns: list[Column],
    rows: list[tuple[Any, ...]],
    checks: list[tuple[str, str]],
) -> list[bool]:
    """Which rows pass every CHECK: the database evaluates them on a scratch copy.

    The rows go into a temporary table with the columns' names and types (a domain's base type,
    so only the table's CHECKs apply), in a savepoint that is rolled back: nothing of it stays.
    `types` keeps the type names looked up, for the seed's later probes.
    """
    if not rows:
        return []
    ordinal = sql.Identifier("devenv_probe_row")
    fields = [ordinal + sql.SQL(" int")]
    for column in columns:
        if column.type.oid not in types:
            kind = conn.execute(_BASE_TYPE, [column.type.oid]).fetchone()
            assert kind is not None
            types[column.type.oid] = kind[0]
        name = sql.Identifier(column.name)
        fields.append(sql.SQL("{} {}").format(name, sql.SQL(types[column.type.oid])))
    codecs = [encoder(column.type) for column in columns]
    head = struct.pack("!hi", len(columns) + 1, 4)
    failed: set[int] = set()
    try:
        with conn.transaction(force_rollback=True):
            conn.execute(
                sql.SQL("CREATE TEMP TABLE devenv_probe ({})").format(sql.SQL(", ").join(fields))
            )
            with (
                conn.cursor() as cur,
                cur.copy(sql.SQL("COPY devenv_probe FROM STDIN WITH (FORMAT binary)")) as copy,
            ):
                copy.write(HEADER)
                for i, row in enumerate(rows):
                    values = b"".join(codec(v) for codec, v in zip(codecs, row, strict=True))
                    copy.write(head + i.to_bytes(4, "big") + values)
                copy.write(TRAILER)
            for _, definition in checks:
                expression = _CHECK.sub("", definition)  # the server's own deparsed SQL
                query = sql.SQL("SELECT {} FROM devenv_probe WHERE ({}) IS FALSE").format(
                    ordinal, sql.SQL(expression)
                )
                failed.update(row[0] for row in conn.execute(query))
    except psycopg.Error as exc:
        raise SeedError(
            f"table {table}, column {', '.join(c.name for c in columns)}: the database could not "
            f"check devenv's values against CHECK {', '.join(n for n, _ in checks)}: {exc}",
            hint='Give the column choices or a template in seeds/, or { sql = "..." }.',
        ) from exc
    return [i not in failed for i in range(len(rows))]


_CHECK = re.compile(r"^CHECK |( NOT VALID| NO INHERIT)+$")
# A type, or the type a domain (of a domain...) is based on, as SQL.
_BASE_TYPE = """
WITH RECURSIVE t(oid, base) AS (
    SELECT oid, typbasetype FROM pg_type WHERE oid = %s
    UNION ALL SELECT p.oid, p.typbasetype FROM pg_type p JOIN t ON p.oid = t.base
)
SELECT format_type(oid, NULL) FROM t WHERE base = 0
"""


def _kept_rows(
    conn: psycopg.Connection[Any], schema: Schema, q: str, seeded: tuple[str, ...]
) -> list[dict[str, Any]]:
    """Read the referenced key columns of a table that is kept (not seeded), in a stable order."""
    columns = sorted(
        {
            c
            for t in seeded
            for fk in schema.tables[t].foreign_keys
            if fk.ref_table == q
            for c in fk.ref_columns
        }
    )
    table = schema.tables[q]
    names = sql.SQL(", ").join(map(sql.Identifier, columns))
    query = sql.SQL("SELECT {} FROM {} ORDER BY {} LIMIT {}").format(
        names, ident(q), names, sql.Literal(KEPT_ROWS_LIMIT)
    )
    rows = conn.execute(query).fetchall()
    return [
        {c: coerce(v, table.column(c).type) for c, v in zip(columns, row, strict=True)}
        for row in rows
    ]


def _workers(plan: Plan, asked: int | None) -> int:
    """Use worker processes only when there are enough rows to pay for them."""
    if asked is not None:
        return max(1, asked)
    rows = sum(t.rows for t in plan.tables)
    return 1 if rows < PARALLEL_FROM_ROWS else max(1, min(2, os.cpu_count() or 1))


def _load(
    conn: psycopg.Connection[Any],
    plan: Plan,
    workers: int,
    progress: ProgressCallback | None,
    phases: Phases,
    uploads: ObjectSink | None,
) -> list[TableReport]:
    """Truncate, COPY every table in order, fill deferred edges and restore keys.

    Between tables it checks on the uploads, so a failed upload stops the load early.
    """
    sink = PostgresSink(conn)
    names = [t.name for t in plan.tables]
    with ChunkStream(plan, workers) as chunks:
        sink.truncate(names)
        sink.cache_sequences(names)
        aside = sum(t.rows for t in plan.tables) >= KEYS_ASIDE_FROM_ROWS or plan.unchecked
        if aside:
            sink.set_keys_aside(names, [t.name for t in plan.tables if not t.partitioned])
        trusted = aside and sink.trust_foreign_keys()
        phases.mark("truncate")
        held = frozenset(fk.name for t in plan.tables for fk in t.deferred.values())
        loaded: set[str] = set()
        reports = []
        fired = False  # whether a table loaded so far has triggers, which may insert elsewhere
        for table in plan.tables:
            if uploads is not None:
                uploads.check()
            if fired and table.name not in plan.triggered:
                _make_way(sink, plan, table, trusted=trusted)
            fired = fired or table.triggers
            if trusted:
                _before_copy(sink, table, loaded, held)
            reports.append(_copy_table(sink, table, chunks, progress))
            loaded.add(table.name)
            # Rebuilding this table's keys now lets the server index while workers run ahead.
            ready = _ready_after(table.name, loaded, held, trusted=trusted)
            _guard(table.name, partial(sink.restore_keys, ready=ready))
        if trusted:
            sink.fire_triggers(fire=False)
    sink.restore_sequences()
    sink.catch_up_sequences({t.name: t.columns for t in plan.tables if t.rows})
    phases.mark("copy")
    for table in plan.tables:
        if table.deferred and table.match_columns:
            _fill_deferred(sink, table)
    phases.mark("deferred")
    _guard("(keys)", sink.restore_keys)
    phases.mark("keys")
    views = _guard("(materialized views)", partial(sink.refresh_views, names))
    if refreshed := [view for view, problem in views.items() if problem is None]:
        plan.notes.append(f"refreshed materialized views: {', '.join(refreshed)}")
    plan.notes.extend(
        f"materialized view {view} not refreshed: {problem}"
        for view, problem in views.items()
        if problem is not None
    )
    phases.mark("views")
    return reports


def _make_way(sink: PostgresSink, plan: Plan, table: TablePlan, *, trusted: bool) -> None:
    """Delete rows that triggers on tables loaded earlier put into this one, before its COPY.

    Supabase's `handle_new_user`, for one, inserts a profile for every new user. The seed
    replaces them with its own rows, which its plan (and the tables after it) counts on.
    """
    if trusted:
        sink.fire_triggers(fire=False)  # its children are empty: nothing to cascade to
    cleared = _guard(table.name, partial(sink.clear, table.name))
    if cleared:
        plan.notes.append(
            f"{table.name}: replaced {cleared:,} rows that triggers inserted"
            " while earlier tables loaded"
        )


def _before_copy(
    sink: PostgresSink, table: TablePlan, keyed: set[str], held: frozenset[str]
) -> None:
    """Trusted load: re-add the table's foreign keys while it is empty (no scan), set triggers."""

    def ready(key: KeyAside) -> bool:
        own = key.kind == "f" and key.qualified == table.name
        return own and key.ref in keyed and key.name not in held

    _guard(table.name, partial(sink.restore_keys, ready=ready))
    sink.fire_triggers(fire=table.triggers)


def _ready_after(
    name: str, loaded: set[str], held: frozenset[str], *, trusted: bool
) -> Callable[[KeyAside], bool]:
    """Which keys to rebuild once `name` is loaded: its own; untrusted, also FKs now complete."""

    def ready(key: KeyAside) -> bool:
        if key.kind != "f":
            return key.qualified == name
        if trusted:
            return False
        return key.qualified in loaded and key.ref in loaded and key.name not in held

    return ready


def _fill_deferred(sink: PostgresSink, table: TablePlan) -> None:
    """Stream (key, back-edge value) rows into a temporary table and UPDATE from it."""
    hidden = tuple(f"{c}\x00deferred" for c in table.deferred)
    columns = table.match_columns + hidden
    data = (
        chunk_bytes(table, s, min(CHUNK, table.rows - s), columns=columns)
        for s in range(0, table.rows, CHUNK)
    )
    _guard(
        table.name,
        lambda: sink.fill_deferred(table.name, table.match_columns, tuple(table.deferred), data),
    )


def _copy_table(
    sink: PostgresSink,
    table: TablePlan,
    chunks: Iterator[tuple[tuple[int, int, int], bytes | memoryview]],
    progress: ProgressCallback | None,
) -> TableReport:
    """Stream one table's chunks (taken from the shared, ordered chunk stream) into COPY."""
    began = time.perf_counter()
    done = 0

    def mine() -> Iterator[bytes | memoryview]:
        nonlocal done
        while done < table.rows:
            (_, start, n), data = next(chunks)
            done = start + n
            yield data
            if progress is not None:
                progress(table.name, done, table.rows)

    defaults = {
        cdef.column: _guard_sql(
            cdef, partial(sink.swap_default, table.name, cdef.column, cdef.spec["sql"])
        )
        for cdef in table.sql
    }
    if table.rows and not table.columns:  # every column is the database's: nothing to COPY
        for _ in mine():
            pass
        _guard(table.name, lambda: sink.insert_defaults(table.name, table.rows))
    elif table.rows:
        _guard(
            table.name,
            lambda: sink.copy(table.name, table.columns, mine(), freeze=not table.partitioned),
        )
    elif progress is not None:
        progress(table.name, 0, 0)
    for column, default in defaults.items():
        _guard(table.name, partial(sink.swap_default, table.name, column, default))
    return TableReport(table.name, table.rows, time.perf_counter() - began)


def _guard_sql(cdef: ColumnDef, action: Callable[[], str | None]) -> str | None:
    """Run the step that sets an `sql` override; a database error is the definition's."""
    try:
        return action()
    except psycopg.Error as exc:
        raise cdef.error(f"sql {cdef.spec['sql']!r} is not a valid DEFAULT: {exc}") from exc


def _guard(table: str, action: Any) -> Any:
    """Run a database step; turn a database error into a SeedError naming the table."""
    try:
        return action()
    except psycopg.Error as exc:
        raise _failure(f"seeding {table}", exc) from exc


def _failure(what: str, exc: psycopg.Error) -> SeedError:
    """The SeedError for a database error during `what`, with the next step to take."""
    if isinstance(exc, psycopg.errors.IntegrityError):
        return SeedError(
            f"{what} broke a constraint: {exc}".strip(),
            hint=(
                "Nothing was changed. Adjust the definition of the named column in seeds/, or "
                "report a devenv bug."
            ),
        )
    if isinstance(exc, psycopg.errors.LockNotAvailable):
        return SeedError(
            f"{what} waited too long for a lock another database session holds: {exc}".strip(),
            hint=(
                "Nothing was changed. Finish that session's open transaction (see "
                "`devenv sql 'select pid, application_name, state from pg_stat_activity'`), "
                "then run `devenv seed` again."
            ),
        )
    # No SQLSTATE (the client saw the connection drop) or class 57P (the server shut down).
    if isinstance(exc, psycopg.OperationalError) and (exc.sqlstate or "57P").startswith("57P"):
        return SeedError(
            f"{what} failed: the connection to the database was lost: {exc}".strip(),
            hint=(
                "Nothing was committed. Check `devenv status` and `devenv logs postgres`, then "
                "run `devenv seed` again (it restarts a server that stopped)."
            ),
        )
    return SeedError(
        f"{what} failed: {exc}".strip(),
        hint="Nothing was changed; the database still holds the previous data.",
    )


@dataclass(frozen=True)
class Objects:
    """Where a seed's objects go, and what the seeds before it put there."""

    conninfo: str
    s3: S3Target
    buckets: Mapping[str, str] | None
    # Objects seeds put and devenv has not removed yet (devenv_meta.seed_objects).
    previous: set[tuple[str, str]]
    # Of those, the ones this seed puts again with the same metadata (same seed and scale).
    unchanged: frozenset[tuple[str, str]]


def _start_uploads(plan: Plan, objects: Objects) -> ObjectSink:
    """Start one upload per row of every table that points at objects.

    The objects are put on record first, in a transaction of their own: if the seed then fails
    or is killed, its rows roll back but the record stays, and the next seed removes them.
    """
    sink = ObjectSink(objects.s3, unchanged=objects.unchanged)
    mapping = dict(objects.buckets or {})
    for table in plan.tables:
        spec = table.objects
        if spec is None or not table.rows:
            continue
        logical = spec.bucket or next(iter(mapping), table.name.split(".")[-1])
        bucket = mapping.get(logical, logical)
        meta = {
            "devenv-synthetic": "true",
            "devenv-seed": str(plan.seed),
            "devenv-scale": plan.scale,
            "devenv-table": table.name,
        }
        sink.add(
            ((bucket, key) for key, _ in _objects_of(table)),
            partial(_uploads, table, bucket, meta),
        )
    new = sink.keys - objects.previous
    if new:
        with psycopg.connect(objects.conninfo) as conn:
            PostgresSink(conn).remember_objects(new)
    sink.start()
    return sink


def _objects_of(table: TablePlan) -> Iterator[tuple[str, str]]:
    """Regenerate each row's object key and content type."""
    assert table.objects is not None
    key_col, ct_col = table.objects.key_column, table.objects.content_type_column
    for start in range(0, table.rows, CHUNK):
        blk = Block(table.gens, start, min(CHUNK, table.rows - start))
        types = blk.raw(ct_col) if ct_col else ["text/plain"] * blk.n
        for key, content_type in zip(blk.raw(key_col), types, strict=True):
            yield str(key), str(content_type)


def _uploads(table: TablePlan, bucket: str, meta: dict[str, str]) -> Iterator[Upload]:
    """Render each row's file."""
    for key, content_type in _objects_of(table):
        yield Upload(bucket, key, content_type, render(content_type, key), meta)
