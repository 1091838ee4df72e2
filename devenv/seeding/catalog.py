"""Read the migrated schema from pg_catalog."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import psycopg

from devenv.seeding.checks import columns_in
from devenv.seeding.model import Check, Column, ForeignKey, PgType, Schema, Table, UniqueKey

_SKIP_SCHEMAS = ["pg_catalog", "information_schema", "pg_toast", "devenv_meta"]

_TABLES = """
SELECT c.oid, n.nspname, c.relname, c.relkind = 'p'
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname <> ALL(%s) AND n.nspname NOT LIKE 'pg\\_%%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY n.nspname, c.relname
"""

_COLUMNS = """
SELECT a.attrelid, a.attname, a.atttypid, a.atttypmod, a.attnotnull, a.attidentity,
       a.attgenerated <> '', pg_get_expr(d.adbin, d.adrelid),
       d.oid IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM pg_depend dp JOIN pg_proc p ON p.oid = dp.refobjid
           WHERE dp.classid = 'pg_attrdef'::regclass AND dp.objid = d.oid
             AND dp.refclassid = 'pg_proc'::regclass AND p.provolatile <> 'i'),
       sq.seqstart, sq.seqincrement
FROM pg_attribute a
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN LATERAL (
    SELECT s.seqstart, s.seqincrement FROM pg_depend dep
    JOIN pg_sequence s ON s.seqrelid = dep.objid
    WHERE dep.refclassid = 'pg_class'::regclass AND dep.refobjid = a.attrelid
      AND dep.refobjsubid = a.attnum AND dep.deptype IN ('a', 'i') LIMIT 1) sq ON true
WHERE a.attrelid = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""

_CONSTRAINTS = """
SELECT con.conrelid, con.conname, con.contype, con.conkey, con.confrelid, con.confkey,
       pg_get_constraintdef(con.oid),
       con.contype = 'x' AND NOT EXISTS (
           SELECT 1 FROM unnest(con.conexclop) AS x(op) JOIN pg_operator o ON o.oid = x.op
           WHERE o.oprname <> '='),
       coalesce((SELECT (to_jsonb(i) ->> 'indnullsnotdistinct')::bool FROM pg_index i
                 WHERE i.indexrelid = con.conindid), false)
FROM pg_constraint con
WHERE con.conrelid = ANY(%s) AND con.contype IN ('p', 'u', 'f', 'c', 'x')
ORDER BY con.conrelid, con.conname
"""

_UNIQUE_INDEXES = """
SELECT i.indrelid, ic.relname, i.indexprs IS NOT NULL,
       ARRAY(SELECT DISTINCT d.refobjsubid::int FROM pg_depend d
             WHERE d.classid = 'pg_class'::regclass AND d.objid = i.indexrelid
               AND d.refobjid = i.indrelid AND d.refobjsubid > 0) || i.indkey::int2[]::int[],
       coalesce((to_jsonb(i) ->> 'indnullsnotdistinct')::bool, false),
       i.indkey::int2[]::int[], pg_get_expr(i.indexprs, i.indrelid),
       pg_get_expr(i.indpred, i.indrelid)
FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
WHERE i.indisunique AND i.indrelid = ANY(%s)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid
                  AND c.conrelid = i.indrelid)
ORDER BY i.indrelid, ic.relname
"""

_TRIGGERS = """
SELECT c.oid FROM pg_class c
WHERE c.oid = ANY(%s) AND EXISTS (
    SELECT 1 FROM pg_trigger g
    WHERE NOT g.tgisinternal
      AND (g.tgrelid = c.oid OR g.tgrelid IN (SELECT relid FROM pg_partition_tree(c.oid))))
"""

# The source of each user trigger's function, for the tables it inserts into.
_TRIGGER_SOURCES = """
SELECT t.tgrelid, p.prosrc FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND t.tgrelid = ANY(%s)
"""
_NAME_PART = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
_INSERT_INTO = re.compile(rf"\binsert\s+into\s+({_NAME_PART}(?:\s*\.\s*{_NAME_PART})?)", re.I)

# The partitions of single-column RANGE and LIST partitioned tables, with their bounds.
_PARTITIONS = """
SELECT i.inhparent, a.attname, pt.partstrat, pg_get_expr(c.relpartbound, c.oid)
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
JOIN pg_partitioned_table pt ON pt.partrelid = i.inhparent
JOIN pg_attribute a ON a.attrelid = i.inhparent AND a.attnum = pt.partattrs[0]
WHERE i.inhparent = ANY(%s) AND pt.partnatts = 1 AND pt.partstrat IN ('r', 'l')
ORDER BY i.inhparent, c.relname
"""
_RANGE_BOUND = re.compile(r"^FOR VALUES FROM \((.+)\) TO \((.+)\)$")
_LIST_BOUND = re.compile(r"^FOR VALUES IN \((.+)\)$")

_TYPES = """
SELECT t.oid, format_type(t.oid, NULL), t.typname, t.typtype, t.typbasetype, t.typtypmod,
       t.typnotnull, t.typelem, t.typcategory, r.rngsubtype
FROM pg_type t LEFT JOIN pg_range r ON r.rngtypid = t.oid WHERE t.oid = ANY(%s)
"""

_ENUMS = "SELECT enumtypid, enumlabel FROM pg_enum WHERE enumtypid = ANY(%s) ORDER BY enumsortorder"
_DOMAIN_CHECKS = """
SELECT contypid, pg_get_constraintdef(oid) FROM pg_constraint
WHERE contypid = ANY(%s) AND contype = 'c' ORDER BY conname
"""

_BASES = {
    "int2",
    "int4",
    "int8",
    "float4",
    "float8",
    "numeric",
    "text",
    "varchar",
    "bpchar",
    "name",
    "citext",
    "bytea",
    "bool",
    "uuid",
    "date",
    "timestamp",
    "timestamptz",
    "time",
    "timetz",
    "interval",
    "json",
    "jsonb",
    "inet",
    "cidr",
    "money",
    "macaddr",
    "char",
    "bit",
    "varbit",
    "tsvector",
}


def read_schema(conn: psycopg.Connection[Any]) -> Schema:
    """Return every user table of the database with its columns and constraints."""
    rows = conn.execute(_TABLES, [_SKIP_SCHEMAS]).fetchall()
    oids = [r[0] for r in rows]
    columns = _read_columns(conn, oids)
    constraints = conn.execute(_CONSTRAINTS, [oids]).fetchall()
    indexes = conn.execute(_UNIQUE_INDEXES, [oids]).fetchall()
    triggers = {r[0] for r in conn.execute(_TRIGGERS, [oids]).fetchall()}
    writes: dict[int, list[str]] = defaultdict(list)
    for oid, source in conn.execute(_TRIGGER_SOURCES, [oids]).fetchall():
        writes[oid] += [_unquoted(m) for m in _INSERT_INTO.findall(source or "")]
    bounds = _partition_checks(conn.execute(_PARTITIONS, [oids]).fetchall())
    names = {oid: f"{nsp}.{rel}" for oid, nsp, rel, _ in rows}
    attnames = _attnum_maps(conn, oids)
    tables: dict[str, Table] = {}
    for oid, nsp, rel, partitioned in rows:
        constrained = _table_constraints(oid, constraints, indexes, attnames, names)
        uniques, fks, checks, excl, spans = constrained
        tables[names[oid]] = Table(
            schema=nsp,
            name=rel,
            columns=tuple(columns.get(oid, [])),
            uniques=uniques,
            foreign_keys=fks,
            checks=checks + bounds.get(oid, ()),
            exclusions=excl,
            spans=spans,
            partitioned=bool(partitioned),
            user_triggers=oid in triggers,
            trigger_writes=tuple(dict.fromkeys(writes.get(oid, ()))),
        )
    return Schema(tables)


def _unquoted(name: str) -> str:
    """`"Audit".log` as `Audit.log`: a table name as its parts are spelled in the catalog."""
    parts = re.findall(r'"((?:[^"]|"")+)"|([^\s."]+)', name)
    return ".".join(q.replace('""', '"') if q else bare.lower() for q, bare in parts)


def _partition_checks(rows: list[tuple[Any, ...]]) -> dict[int, tuple[Check, ...]]:
    """The values a partitioned table's partitions take, as a CHECK on its partition key.

    LIST partitions give the values listed; RANGE partitions give [first FROM, last TO) of the
    longest run of adjacent partitions. A DEFAULT partition takes any value: no CHECK then.
    """
    by_table: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for parent, column, strategy, bound in rows:
        by_table[parent].append((column, strategy, bound))
    out: dict[int, tuple[Check, ...]] = {}
    for parent, parts in by_table.items():
        column, strategy = parts[0][0], parts[0][1]
        bounds = [b for _, _, b in parts]
        if "DEFAULT" in bounds:
            continue
        col = column if re.fullmatch(r"[a-z_][a-z0-9_]*", column) else _quote(column)
        if strategy == "l":
            values = [v for b in bounds if (m := _LIST_BOUND.match(b)) for v in _literals(m[1])]
            listed = ", ".join(v for v in values if v != "NULL")
            expression = f"CHECK (({col} = ANY (ARRAY[{listed}])))" if listed else None
        else:
            spans = [(m[1], m[2]) for b in bounds if (m := _RANGE_BOUND.match(b))]
            low, high = _longest_run(spans)
            sides = [f"({col} >= {low})" if low != "MINVALUE" else ""]
            sides.append(f"({col} < {high})" if high != "MAXVALUE" else "")
            expression = f"CHECK (({' AND '.join(s for s in sides if s)}))" if any(sides) else None
        if expression is not None:
            out[parent] = (Check("partition bounds", expression),)
    return out


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literals(text: str) -> list[str]:
    """Split a bound's list of literals ('a', 'b''c', 3) at the commas outside quotes."""
    return [m.strip() for m in re.findall(r"(?:'(?:[^']|'')*'|[^,])+", text)]


def _longest_run(spans: list[tuple[str, str]]) -> tuple[str, str]:
    """[FROM, TO) of the longest chain of partitions where one's TO is the next one's FROM."""
    after = {low: high for low, high in spans}
    ends = set(after.values())
    best: tuple[int, str, str] = (0, "MINVALUE", "MAXVALUE")
    for start in (low for low in after if low not in ends):
        end, length = start, 0
        while end in after and length <= len(spans):
            end, length = after[end], length + 1
        best = max(best, (length, start, end), key=lambda b: b[0])
    return best[1], best[2]


def _attnum_maps(conn: psycopg.Connection[Any], oids: list[int]) -> dict[int, dict[int, str]]:
    """Map table oid -> attnum -> column name (attnums have gaps after dropped columns)."""
    query = (
        "SELECT attrelid, attnum, attname FROM pg_attribute WHERE attrelid = ANY(%s) AND attnum > 0"
    )
    out: dict[int, dict[int, str]] = defaultdict(dict)
    for rel, num, name in conn.execute(query, [oids]).fetchall():
        out[rel][num] = name
    return out


def _read_columns(conn: psycopg.Connection[Any], oids: list[int]) -> dict[int, list[Column]]:
    """Return the columns of each table, in attnum order."""
    rows = conn.execute(_COLUMNS, [oids]).fetchall()
    types = _read_types(conn, {(r[2], r[3]) for r in rows})
    out: dict[int, list[Column]] = defaultdict(list)
    for rel, name, typ, mod, notnull, ident, gen, default, const, start, inc in rows:
        seq = (int(start), int(inc)) if start is not None else None
        out[rel].append(
            Column(
                name=name,
                type=types[(typ, mod)],
                notnull=bool(notnull),
                default=default,
                default_constant=bool(const),
                identity=ident or "",
                generated=bool(gen),
                sequence=seq,
            )
        )
    return out


def _read_types(
    conn: psycopg.Connection[Any], wanted: set[tuple[int, int]]
) -> dict[tuple[int, int], PgType]:
    """Resolve (type oid, typmod) pairs, following domains and array elements."""
    info: dict[int, tuple[Any, ...]] = {}
    todo = {oid for oid, _ in wanted}
    while todo:
        for row in conn.execute(_TYPES, [list(todo)]).fetchall():
            info[row[0]] = row
        todo = {r[i] for r in info.values() for i in (4, 7, 9) if r[i]}
        todo -= set(info)
    labels: dict[int, list[str]] = defaultdict(list)
    for oid, label in conn.execute(_ENUMS, [list(info)]).fetchall():
        labels[oid].append(label)
    checks: dict[int, list[str]] = defaultdict(list)
    for oid, expr in conn.execute(_DOMAIN_CHECKS, [list(info)]).fetchall():
        checks[oid].append(expr)

    def build(oid: int, mod: int) -> PgType:
        _, shown, typname, typtype, basetype, typtypmod, notnull, elem, category, sub = info[oid]
        if typtype == "d":
            base = build(basetype, typtypmod if typtypmod >= 0 else mod)
            inner_checks = tuple(checks.get(oid, [])) + base.checks
            return PgType(
                oid,
                shown,
                base.base,
                base.typmod,
                base.labels,
                base.element,
                inner_checks,
                bool(notnull) or base.notnull,
            )
        if typtype == "e":
            return PgType(oid, shown, "enum", mod, tuple(labels.get(oid, [])))
        if category == "A" and elem:
            return PgType(oid, shown, "array", mod, element=build(elem, mod))
        if typtype == "r" and sub:
            return PgType(oid, shown, "range", mod, element=build(sub, -1))
        base_name = typname if typname in _BASES else "unsupported"
        return PgType(oid, shown, base_name, mod)

    return {(oid, mod): build(oid, mod) for oid, mod in wanted}


_NAME = r'(\w+|"(?:[^"]|"")+")'
# `tstzrange(starts_at, ends_at[, '[)']) WITH &&` and `room_id WITH =` in an EXCLUDE definition.
_SPAN = re.compile(rf"\b\w*range\({_NAME}, {_NAME}(?:, '[^']*'(?:::text)?)?\) WITH &&")
_EQUAL = re.compile(rf"(?:\(|, ){_NAME} WITH =(?=[,)])")


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def _span(definition: str) -> tuple[tuple[str, ...], str, str] | None:
    """(equal columns, lower, upper) of an EXCLUDE whose overlap test is a range of two columns.

    Such as EXCLUDE USING gist (room_id WITH =, tstzrange(starts_at, ends_at) WITH &&).
    """
    spans = _SPAN.findall(definition)
    if len(spans) != 1 or definition.count("WITH &&") != 1:
        return None
    equal = tuple(_unquote(n) for n in _EQUAL.findall(definition))
    return equal, _unquote(spans[0][0]), _unquote(spans[0][1])


def _table_constraints(
    oid: int,
    constraints: list[tuple[Any, ...]],
    indexes: list[tuple[Any, ...]],
    attnames: dict[int, dict[int, str]],
    names: dict[int, str],
) -> tuple[
    tuple[UniqueKey, ...],
    tuple[ForeignKey, ...],
    tuple[Check, ...],
    tuple[tuple[str, ...], ...],
    tuple[tuple[tuple[str, ...], str, str], ...],
]:
    """Split one table's constraints and indexes: keys, foreign keys, checks, exclusions, spans."""
    cols = attnames.get(oid, {})
    uniques: list[UniqueKey] = []
    fks: list[ForeignKey] = []
    checks: list[Check] = []
    exclusions: list[tuple[str, ...]] = []
    spans: list[tuple[tuple[str, ...], str, str]] = []
    for rel, name, kind, key, frel, fkey, definition, equal_only, one_null in constraints:
        if rel != oid:
            continue
        if kind in ("p", "u"):
            uniques.append(
                UniqueKey(
                    name,
                    tuple(cols[k] for k in key),
                    primary=kind == "p",
                    nulls_distinct=not one_null,
                )
            )
        elif kind == "f" and frel in names:
            ref = attnames.get(frel, {})
            fks.append(
                ForeignKey(
                    name, tuple(cols[k] for k in key), names[frel], tuple(ref[k] for k in fkey)
                )
            )
        elif kind == "c":
            checks.append(Check(name, definition))
        elif kind == "x" and equal_only and all(k > 0 for k in key):
            # EXCLUDE (a WITH =, b WITH =) is a unique key by another name.
            uniques.append(UniqueKey(name, tuple(cols[k] for k in key)))
        elif kind == "x":
            exclusions.append(tuple(cols[k] for k in key if k > 0))
            span = _span(definition)
            if span is not None:
                spans.append(span)
    for rel, name, has_expr, keys, one_null, indkey, exprs, where in indexes:
        if rel == oid:
            used = tuple(dict.fromkeys(cols[k] for k in keys if k > 0))
            # The columns only the WHERE of a partial index reads (not its key or expressions).
            keyed = {cols[k] for k in indkey if k > 0} | columns_in(exprs or "", set(used))
            uniques.append(
                UniqueKey(name, used, expression=bool(has_expr), nulls_distinct=not one_null,
                          where=where, filter_only=tuple(c for c in used if c not in keyed))
            )  # fmt: skip
    return tuple(uniques), tuple(fks), tuple(checks), tuple(exclusions), tuple(spans)
