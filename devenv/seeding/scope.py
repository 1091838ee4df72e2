"""Which tables a seed replaces, and in which order they load (cycles broken at nullable edges)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from devenv.errors import SeedError
from devenv.seeding.definitions import Definitions
from devenv.seeding.model import ForeignKey, Schema, Table

log = logging.getLogger(__name__)

MIGRATION_TABLES = {
    "schema_migrations",
    "_sqlx_migrations",
    "flyway_schema_history",
    "alembic_version",
    "knex_migrations",
    "knex_migrations_lock",
    "__diesel_schema_migrations",
    "goose_db_version",
    "_prisma_migrations",
    "django_migrations",
    "ar_internal_metadata",
    "migrations",
}

# Schemas that belong to the platform or to devenv, not to the project: their tables are never
# mentioned as left out.
PLATFORM_SCHEMAS = frozenset({
    "devenv", "auth", "storage", "realtime", "_realtime", "graphql", "graphql_public",
    "extensions", "vault", "pgsodium", "pgsodium_masks", "supabase_functions",
    "supabase_migrations", "net", "cron", "pgbouncer", "_analytics", "pgtle",
})  # fmt: skip


@dataclass(frozen=True)
class Scope:
    """The tables to replace (in load order), the tables only read, and the deferred edges."""

    order: tuple[str, ...]
    kept: tuple[str, ...]
    deferred: frozenset[tuple[str, str]]
    unchecked: frozenset[tuple[str, str]]
    # Tables outside the configured schemas that reference seeded ones: their rows would point
    # at replaced rows, so they are emptied, and filled only where seeds/ give them rows.
    emptied: frozenset[str] = frozenset()
    # Project schemas outside the configured ones whose tables are left as they are: name -> count.
    left: tuple[tuple[str, int], ...] = ()
    # Tables only triggers of seeded tables fill (an audit log): table -> the triggers' tables.
    # They get no rows of their own, and keep what the triggers insert.
    triggered: tuple[tuple[str, tuple[str, ...]], ...] = ()


def select(schema: Schema, defs: Definitions) -> Scope:
    """Pick the seeded tables: the configured schemas, plus every table linked to them by a FK.

    Tables elsewhere that they reference are seeded; tables elsewhere that reference them are
    emptied (`Scope.emptied`), unless a filled table references them in turn.
    """
    excluded = {schema_name(schema, name) for name in defs.exclude}
    excluded |= {q for q, t in schema.tables.items() if t.name in MIGRATION_TABLES}
    seeded = {q for q, t in schema.tables.items() if t.schema in defs.schemas and q not in excluded}
    kept: set[str] = set()
    emptied: set[str] = set()
    changed = True
    while changed:
        changed = False
        for q, table in schema.tables.items():
            for fk in table.foreign_keys:
                if q in seeded and fk.ref_table not in seeded and fk.ref_table not in kept:
                    _pull(fk.ref_table, excluded, seeded, kept)
                    changed = True
                elif fk.ref_table in seeded and q not in seeded:
                    if q in excluded:
                        raise SeedError(
                            f"table {q} references seeded table {fk.ref_table} but is excluded",
                            hint=(
                                f"Remove {q} from [settings] exclude, or exclude {fk.ref_table} "
                                "too."
                            ),
                        )
                    log.info("emptying %s too: it references seeded table %s", q, fk.ref_table)
                    seeded.add(q)
                    emptied.add(q)
                    changed = True
    triggered = _left_to_triggers(schema, defs, seeded)
    emptied |= set(triggered)
    _fill_parents(schema, seeded, emptied)
    order, deferred, unchecked = load_order(schema, seeded)
    left: dict[str, int] = {}
    unreported = PLATFORM_SCHEMAS.union(defs.schemas)
    for q, table in schema.tables.items():
        untouched = q not in seeded and q not in kept and q not in excluded
        if untouched and table.schema not in unreported:
            left[table.schema] = left.get(table.schema, 0) + 1
    return Scope(
        tuple(order),
        tuple(sorted(kept)),
        frozenset(deferred),
        frozenset(unchecked),
        frozenset(emptied),
        tuple(sorted(left.items())),
        tuple(sorted((q, tuple(sorted(by))) for q, by in triggered.items())),
    )


def _left_to_triggers(schema: Schema, defs: Definitions, seeded: set[str]) -> dict[str, set[str]]:
    """Seeded tables that triggers of other seeded tables insert into, and nothing else needs.

    An audit log or an activity feed: its rows come from the triggers, so the seed adds none.
    Not a table that seeded rows reference, one the project defines in seeds/, or a table whose
    primary key is a foreign key to the trigger's table (a profile per user, which the seed
    replaces with its own rows).
    """
    defined = {schema_name(schema, name) for name in defs.tables}
    referenced = {fk.ref_table for q in seeded for fk in schema.tables[q].foreign_keys}
    found: dict[str, set[str]] = {}
    for source in sorted(seeded):
        for name in schema.tables[source].trigger_writes:
            target = schema.find(name)
            if target is None:
                continue
            q = target.qualified
            if q == source or q not in seeded or q in defined or q in referenced:
                continue
            primary = next((k.columns for k in target.uniques if k.primary), ())
            if any(fk.ref_table == source and set(fk.columns) == set(primary)
                   for fk in target.foreign_keys):  # fmt: skip
                continue
            found.setdefault(q, set()).add(source)
    return found


def _fill_parents(schema: Schema, seeded: set[str], emptied: set[str]) -> None:
    """A table that other filled tables reference is filled too, though it was only a child."""
    needed = True
    while needed:
        needed = False
        for q in seeded - emptied:
            for fk in schema.tables[q].foreign_keys:
                if fk.ref_table in emptied:
                    emptied.discard(fk.ref_table)
                    needed = True


def schema_name(schema: Schema, name: str) -> str:
    """Resolve a bare or qualified table name to `schema.name` (unknown names pass through)."""
    table = schema.find(name)
    return table.qualified if table else name


def _pull(name: str, excluded: set[str], seeded: set[str], kept: set[str]) -> None:
    """A seeded table references `name`: seed it too, unless excluded (then read its rows)."""
    if name in excluded:
        kept.add(name)
    else:
        log.info("seeding %s too: a seeded table references it", name)
        seeded.add(name)


def fk_nullable(table: Table, fk: ForeignKey) -> bool:
    """Return True when every column of the FK may be NULL."""
    return not any(table.column(c).never_null for c in fk.columns)


def load_order(
    schema: Schema, seeded: set[str]
) -> tuple[list[str], set[tuple[str, str]], set[tuple[str, str]]]:
    """Topologically sort parents before children; break cycles at nullable foreign keys.

    Returns the order, the deferred edges (loaded as NULL, filled by an UPDATE afterwards) and
    NOT NULL edges that had to be loaded before their parent (valid once the load ends,
    because foreign keys are re-created after the load).
    """
    edges: dict[str, dict[str, ForeignKey]] = {}
    for q in sorted(seeded):
        table = schema.tables[q]
        edges[q] = {
            fk.name: fk for fk in table.foreign_keys if fk.ref_table in seeded and fk.ref_table != q
        }
    order: list[str] = []
    deferred: set[tuple[str, str]] = set()
    unchecked: set[tuple[str, str]] = set()
    remaining = set(edges)
    while remaining:
        ready = sorted(
            q for q in remaining if all(fk.ref_table not in remaining for fk in edges[q].values())
        )
        if ready:
            order.extend(ready)
            remaining -= set(ready)
            continue
        table_name, fk = _edge_to_break(schema, edges, remaining)
        if fk_nullable(schema.tables[table_name], fk):
            deferred.add((table_name, fk.name))
        else:
            unchecked.add((table_name, fk.name))
        del edges[table_name][fk.name]
    return order, deferred, unchecked


def _edge_to_break(
    schema: Schema, edges: dict[str, dict[str, ForeignKey]], remaining: set[str]
) -> tuple[str, ForeignKey]:
    """Choose the edge that breaks a cycle: a nullable one when there is any."""
    candidates = [
        (q, fk)
        for q in sorted(remaining)
        for fk in edges[q].values()
        if fk.ref_table in remaining and _reaches(edges, fk.ref_table, q, remaining)
    ]
    for q, fk in candidates:
        if fk_nullable(schema.tables[q], fk):
            return q, fk
    return candidates[0]


def _reaches(
    edges: dict[str, dict[str, ForeignKey]], start: str, goal: str, remaining: set[str]
) -> bool:
    """Return True if `goal` is reachable from `start` along child -> parent edges."""
    seen, stack = {start}, [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        for fk in edges[node].values():
            if fk.ref_table in remaining and fk.ref_table not in seen:
                seen.add(fk.ref_table)
                stack.append(fk.ref_table)
    return False
