"""Decide how each unique key is guaranteed: a row-derived column, or distinct parent rows."""

from __future__ import annotations

import logging
import math
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from devenv.seeding import checks
from devenv.seeding.definitions import TableDef
from devenv.seeding.keys import coprime
from devenv.seeding.model import Column, ForeignKey, Table, UniqueKey
from devenv.seeding.rng import key_int
from devenv.seeding.rules import family
from devenv.seeding.values import coerce

log = logging.getLogger(__name__)

# Unique text shorter than this is a code of capital letters: "base-row" would leave no base.
SHORT_TEXT = 8
LETTERS = string.ascii_uppercase
_CARRIER_ORDER = (
    "text",
    "int",
    "uuid",
    "decimal",
    "date",
    "timestamp",
    "float",
    "inet",
    "macaddr",
    "bytea",
    "json",
)


@dataclass
class UniquePlan:
    """Row-unique columns (carriers) and foreign keys that must not repeat a parent."""

    carriers: dict[str, str] = field(default_factory=dict)
    one_to_one: set[str] = field(default_factory=set)
    pairs: list[tuple[str, str]] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    # Partial unique indexes whose WHERE no row should meet: column -> [(index, WHERE)].
    avoid: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # Keys of a foreign key and one column of few values, `UNIQUE (customer_id, kind)`:
    # foreign key -> (that column, its values). Each parent gets each value at most once.
    labelled: dict[str, tuple[str, tuple[object, ...]]] = field(default_factory=dict)
    # `(team_id) WHERE role = 'owner'`: foreign key -> (column, WHERE). Rows take the parents in
    # turn, and each parent's first row meets the WHERE (its owner); no other row does.
    firsts: dict[str, tuple[str, str]] = field(default_factory=dict)


def analyse(table: Table, tdef: TableDef | None, skipped: set[str]) -> UniquePlan:
    """Pick a carrier for every unique key that is not already unique by construction."""
    plan = UniquePlan()
    fk_of = {c: fk for fk in table.foreign_keys for c in fk.columns}
    unique_already = {c.name for c in table.columns if c.identity or c.sequence is not None}
    columns = {k: v for k, v in tdef.columns.items() if v.kind != "auto"} if tdef else {}
    choices = {
        name: rules.choices
        for name, rules in checks.analyse(
            [(c.name, c.expression) for c in table.checks]
        ).columns.items()
        if rules.choices is not None
    }
    for key in sorted(table.uniques, key=lambda k: (not k.primary, len(k.columns), k.name)):
        cols = key.columns
        if not cols or any(c in unique_already or c in plan.carriers for c in cols):
            continue
        if any(c in skipped for c in cols) and all(c in skipped or c in fk_of for c in cols):
            plan.unresolved.append(key.name)
            continue
        own = [c for c in cols if c not in fk_of and c not in skipped]
        if key.where is not None and _avoidable(key, own, fk_of):
            # `(user_id) WHERE status = 'open'`: rows take statuses the WHERE excludes, rather
            # than statuses made unique or one row per user.
            plan.avoid.setdefault(key.filter_only[0], []).append((key.name, key.where))
            keyed = {c for c in cols if c not in key.filter_only}
            fk = fk_of.get(next(iter(keyed))) if keyed else None
            if fk is not None and keyed == set(fk.columns) and fk.ref_table != table.qualified:
                plan.firsts.setdefault(fk.name, (key.filter_only[0], key.where))
            continue
        if not own:
            _resolve_foreign(key.name, cols, fk_of, plan)
            continue
        # A partial key is held on all rows, by its columns other than those of its WHERE.
        proper = [c for c in own if c not in key.filter_only]
        label = _label(table, key, proper, fk_of, choices)
        if (
            label is not None
            and proper[0] not in columns
            and label[0] not in {*plan.labelled, *plan.one_to_one}
        ):
            plan.labelled[label[0]] = (proper[0], label[1])
            unique_already.add(proper[0])
            continue
        carrier = _pick(table, proper or own, columns)
        plan.carriers[carrier] = "row"
        unique_already.add(carrier)
    mapped = {*plan.one_to_one, *plan.labelled, *(f for pair in plan.pairs for f in pair)}
    for name in mapped & set(plan.firsts):
        del plan.firsts[name]  # the key maps its own way; rows stay out of the WHERE
    return plan


def few_values(column: Column, choices: tuple[str, ...] | None) -> tuple[object, ...] | None:
    """The values of a column that takes few (a CHECK list, an enum, a boolean), else None."""
    if choices:
        return tuple(coerce(v, column.type) for v in choices)
    if column.type.base == "enum" and column.type.labels:
        return tuple(column.type.labels)
    if column.type.base == "bool":
        return (False, True)
    return None


def _label(
    table: Table,
    key: UniqueKey,
    own: list[str],
    fk_of: dict[str, ForeignKey],
    choices: dict[str, tuple[str, ...]],
) -> tuple[str, tuple[object, ...]] | None:
    """(foreign key, values) for a key of one whole foreign key and one column of few values."""
    cols = [c for c in key.columns if c not in key.filter_only]
    fks = {fk_of[c].name: fk_of[c] for c in cols if c in fk_of}
    if len(own) != 1 or len(fks) != 1:
        return None
    fk = next(iter(fks.values()))
    if set(cols) != {*fk.columns, own[0]} or fk.ref_table == table.qualified:
        return None
    values = few_values(table.column(own[0]), choices.get(own[0]))
    return (fk.name, values) if values else None


def _avoidable(key: UniqueKey, own: list[str], fk_of: dict[str, ForeignKey]) -> bool:
    """A partial key whose only own column is one its WHERE reads (and not for NULLs)."""
    assert key.where is not None
    return (
        len(key.filter_only) == 1
        and own == list(key.filter_only)
        and key.filter_only[0] not in fk_of
        and "NULL" not in key.where.upper()
    )


def _resolve_foreign(
    name: str, cols: tuple[str, ...], fk_of: dict[str, ForeignKey], plan: UniquePlan
) -> None:
    """A unique key of foreign key columns only: one FK -> one-to-one, two -> distinct pairs."""
    fks = list(dict.fromkeys(fk_of[c].name for c in cols))
    if len(fks) == 1:
        plan.one_to_one.add(fks[0])
    elif len(fks) == 2:
        plan.pairs.append((fks[0], fks[1]))
    else:
        plan.unresolved.append(name)
        log.warning("unique key %s spans %d foreign keys; duplicates are possible", name, len(fks))


def _pick(table: Table, own: list[str], columns: Mapping[str, object]) -> str:
    """Prefer a column without an override, of a type that can hold many distinct values."""

    def rank(name: str) -> tuple[int, int]:
        kind = family(table.column(name).type)
        order = _CARRIER_ORDER.index(kind) if kind in _CARRIER_ORDER else len(_CARRIER_ORDER)
        return (name in columns, order)

    return min(own, key=rank)


def text_capacity(limit: int | None) -> int:
    """How many distinct values `unique_text` can make for a column of at most `limit` chars."""
    if limit is None:
        return 2**62
    if limit < SHORT_TEXT:
        return int(len(LETTERS) ** limit)
    return int(10 ** (limit - 1)) - 1  # "-" and the row number, the base cut to nothing


def letter_codes(width: int, key: bytes) -> Callable[[int], str]:
    """Row -> a distinct code of `width` capital letters, spread over all of them by `key`."""
    return codes([LETTERS] * width, key)


def codes(alphabets: list[str], key: bytes) -> Callable[[int], str]:
    """Row -> a distinct string with one character from each alphabet, spread over all of them.

    Row numbers beyond the product of the alphabets' sizes repeat earlier strings.
    """
    spread = scatter(math.prod(map(len, alphabets)), key)

    def code(row: int) -> str:
        n = spread(row)
        out = []
        for alphabet in alphabets:
            n, digit = divmod(n, len(alphabet))
            out.append(alphabet[digit])
        return "".join(out)

    return code


def scatter(space: int, key: bytes) -> Callable[[int], int]:
    """Row -> a number below `space`, different for each of `space` rows, spread by `key`."""
    seed = key_int(key)
    step = coprime(space, seed)
    return lambda row: (row * step + seed) % space
