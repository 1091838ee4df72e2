"""Understand simple CHECK constraints: IN lists, comparisons, ranges, lengths, column order."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from devenv.seeding.checkparse import Node, Unsupported, parse_check

_COMPARE = {"=", "<>", "!=", "<", "<=", ">", ">="}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "<>": "<>", "!=": "<>"}
_LENGTH_FUNCS = {"length", "char_length", "character_length", "octet_length"}
_TRIM_FUNCS = {"btrim", "trim", "ltrim", "rtrim", "lower", "upper"}


@dataclass
class ColumnRules:
    """What CHECK constraints allow for one column's non-null values."""

    choices: tuple[str, ...] | None = None
    lower: tuple[str, bool] | None = None
    upper: tuple[str, bool] | None = None
    excluded: set[str] = field(default_factory=set)
    max_length: int | None = None
    min_length: int | None = None
    notnull: bool = False
    patterns: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Relation:
    """`small` < `large` (or <= when not strict) between two columns of one row."""

    small: str
    large: str
    strict: bool
    # From `a <> b`: the values need only differ (a < b is how plain columns get there).
    distinct: bool = False
    # From `large >= small + gap` or `large - small > gap`: the least difference (SQL literals).
    gaps: tuple[str, ...] = ()
    # From `large <= small + bound`: the greatest difference, and whether it is excluded.
    bounds: tuple[tuple[str, bool], ...] = ()


@dataclass
class CheckFacts:
    """Everything learnt from a table's CHECK constraints."""

    columns: dict[str, ColumnRules] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    # The CHECKs not understood: (name, definition), a domain's about the column, not VALUE.
    unread: list[tuple[str, str]] = field(default_factory=list)

    def rules(self, column: str) -> ColumnRules:
        """Return (creating if needed) the rules of `column`."""
        return self.columns.setdefault(column, ColumnRules())


def analyse(checks: list[tuple[str, str]], *, value_column: str | None = None) -> CheckFacts:
    """Turn (name, definition) CHECK constraints into per-column rules and column relations."""
    facts = CheckFacts()
    for name, definition in checks:
        try:
            node = parse_check(definition)
            if value_column is not None:
                node = _rename(node, value_column)
            _apply(node, facts)
        except Unsupported:
            facts.unsupported.append(name)
            if value_column is not None:  # a domain's CHECK, about VALUE: about the column here
                definition = _WORDS.sub(lambda m: _value_to(m, value_column), definition)
            facts.unread.append((name, definition))
    facts.relations = _merged(facts.relations)
    return facts


_WORDS = re.compile(r"""'(?:[^']|'')*'|"((?:[^"]|"")*)"|([A-Za-z_][A-Za-z0-9_$]*)""")


def _value_to(match: re.Match[str], column: str) -> str:
    """The column, quoted, for the word VALUE; anything else as it was."""
    if match[2] is not None and match[2].upper() == "VALUE":
        return '"' + column.replace('"', '""') + '"'
    return match[0]


def columns_in(definition: str, names: set[str]) -> set[str]:
    """The columns (of `names`) an expression refers to, read past anything it may contain."""
    found = set()
    for match in _WORDS.finditer(definition):
        quoted, bare = match.groups()
        word = quoted.replace('""', '"') if quoted is not None else bare
        if word in names:
            found.add(word)
    return found


def _rename(node: Node, column: str) -> Node:
    """Replace the domain placeholder VALUE with the column name."""
    if node[0] == "col" and node[1].upper() == "VALUE":
        return ("col", column)
    return tuple(
        [_rename(x, column) for x in part]
        if isinstance(part, list)
        else _rename(part, column)
        if isinstance(part, tuple)
        else part
        for part in node
    )


def _apply(node: Node, facts: CheckFacts) -> None:
    """Record what one (sub)expression requires, or raise Unsupported."""
    kind = node[0]
    if kind == "and":
        for part in node[1]:
            _apply(part, facts)
    elif kind == "or":
        _apply_or(node[1], facts)
    elif kind == "isnull" and node[1][0] == "col" and node[2]:
        facts.rules(node[1][1]).notnull = True
    elif kind == "any" and node[1] == "=" and node[2][0] == "col" and node[4] != "all":
        _apply_choices(node[2][1], node[3], facts)
    elif kind == "cmp":
        _apply_compare(node[1], node[2], node[3], facts)
    else:
        raise Unsupported(kind)


def _apply_or(parts: list[Node], facts: CheckFacts) -> None:
    """Accept `col IS NULL OR <rule about col>`: generated values are NULL or satisfy the rule."""
    nulls = [p for p in parts if p[0] == "isnull" and not p[2] and p[1][0] == "col"]
    rest = [p for p in parts if p not in nulls]
    if not nulls or len(rest) != 1:
        raise Unsupported("or")
    _apply(rest[0], facts)


def _apply_choices(column: str, values: Node, facts: CheckFacts) -> None:
    """Record `col = ANY (ARRAY[...])`."""
    if values[0] != "array" or any(v[0] != "lit" or v[1] is None for v in values[1]):
        raise Unsupported("any")
    allowed = tuple(str(v[1]) for v in values[1])
    rules = facts.rules(column)
    if rules.choices is not None:
        allowed = tuple(v for v in rules.choices if v in allowed)
    rules.choices = allowed


def _apply_compare(op: str, left: Node, right: Node, facts: CheckFacts) -> None:
    """Record a comparison between a column (or its length) and a literal or another column."""
    if left[0] == "lit" and right[0] != "lit":
        op, left, right = _FLIP.get(op, op), right, left
    op = _FLIP[op] if op == "!=" else op
    if op == "~" and left[0] == "col" and right[0] == "lit" and right[1] is not None:
        facts.rules(left[1]).patterns.append(str(right[1]))
        return
    if op not in _COMPARE:
        raise Unsupported(op)
    if left[0] == "arith" and right[0] != "arith":
        op, left, right = _FLIP.get(op, op), right, left
    if left[0] == "col" and right[0] == "col":
        _apply_relation(op, left[1], right[1], facts)
    elif left[0] == "col" and (plus := _column_plus(right)) is not None:
        _apply_gap(op, plus[0], left[1], plus[1], facts)
    elif left[0] == "lit" and (minus := _column_minus(right)) is not None:
        _apply_gap(_FLIP[op], minus[1], minus[0], str(left[1]), facts)
    elif left[0] == "col" and right[0] == "lit" and right[1] is not None:
        _apply_bound(facts.rules(left[1]), op, str(right[1]))
    elif left[0] == "func" and right[0] == "lit" and len(left[2]) == 1 and left[2][0][0] == "col":
        _apply_function(left[1], left[2][0][1], op, str(right[1]), facts)
    else:
        raise Unsupported("compare")


def _column_plus(node: Node) -> tuple[str, str] | None:
    """(column, literal) for `column + literal` or `column - literal` (the literal negated)."""
    if node[0] != "arith" or node[1] not in ("+", "-"):
        return None
    a, b = node[2], node[3]
    if node[1] == "+" and a[0] == "lit" and b[0] == "col":
        a, b = b, a
    if a[0] != "col" or b[0] != "lit" or b[1] is None:
        return None
    literal = str(b[1])
    if node[1] == "-":
        literal = literal[1:] if literal.startswith("-") else "-" + literal
    return a[1], literal


def _column_minus(node: Node) -> tuple[str, str] | None:
    """(large, small) for `large - small`."""
    if node[0] == "arith" and node[1] == "-" and node[2][0] == "col" and node[3][0] == "col":
        return node[2][1], node[3][1]
    return None


def _apply_gap(op: str, small: str, large: str, gap: str, facts: CheckFacts) -> None:
    """Record `large op small + gap`: a least (>, >=) or greatest (<, <=) difference."""
    if op in (">", ">="):
        facts.relations.append(Relation(small, large, strict=op == ">", gaps=(gap,)))
    elif op in ("<", "<="):
        facts.relations.append(Relation(small, large, strict=False, bounds=((gap, op == "<"),)))
    else:
        raise Unsupported("difference")


def _merged(relations: list[Relation]) -> list[Relation]:
    """One relation per (small, large) pair, with every requirement the CHECKs made of it."""
    out: dict[tuple[str, str], Relation] = {}
    for r in relations:
        seen = out.get((r.small, r.large))
        out[(r.small, r.large)] = (
            r
            if seen is None
            else Relation(
                r.small,
                r.large,
                strict=seen.strict or r.strict,
                distinct=seen.distinct and r.distinct,
                gaps=seen.gaps + r.gaps,
                bounds=seen.bounds + r.bounds,
            )
        )
    return list(out.values())


def _apply_relation(op: str, left: str, right: str, facts: CheckFacts) -> None:
    """Record `a < b`, `a <= b`, `a <> b` (the last as a < b, which implies it)."""
    if op in ("<", "<=", "<>"):
        facts.relations.append(Relation(left, right, strict=op != "<=", distinct=op == "<>"))
    elif op in (">", ">="):
        facts.relations.append(Relation(right, left, strict=op == ">"))
    else:
        raise Unsupported("column equality")


def _apply_bound(rules: ColumnRules, op: str, value: str) -> None:
    """Record `col op literal`."""
    if op == "=":
        rules.choices = (value,)
    elif op == "<>":
        rules.excluded.add(value)
    elif op in (">", ">="):
        rules.lower = (value, op == ">=")
    else:
        rules.upper = (value, op == "<=")


def _apply_function(func: str, column: str, op: str, value: str, facts: CheckFacts) -> None:
    """Record `length(col) op n` and `btrim(col) <> ''`."""
    rules = facts.rules(column)
    if func in _TRIM_FUNCS and op == "<>" and value == "":
        rules.min_length = max(rules.min_length or 0, 1)
        return
    if func not in _LENGTH_FUNCS or not value.lstrip("-").isdigit():
        raise Unsupported(func)
    number = int(value)
    if op in ("<", "<="):
        limit = number - (op == "<")
        rules.max_length = limit if rules.max_length is None else min(rules.max_length, limit)
    elif op in (">", ">="):
        rules.min_length = max(rules.min_length or 0, number + (op == ">"))
    elif op == "=":
        rules.max_length = rules.min_length = number
    else:
        raise Unsupported(func)


# A column computed from others: (the column, the columns it reads, fn(*their values)).
Formula = tuple[str, tuple[str, ...], Callable[..., Any]]
_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
}


def formula(definition: str) -> Formula | None:
    """`CHECK (total = qty * unit_price)`, either way round: how to compute the column.

    Reads columns, numeric literals, `+ - *`, unary minus, round(x [, n]) and coalesce; anything
    else (division, whose scale PostgreSQL decides, for one) gives None.
    """
    try:
        node = parse_check(definition)
    except Unsupported:
        return None
    if node[0] != "cmp" or node[1] != "=":
        return None
    for target, expression in ((node[2], node[3]), (node[3], node[2])):
        if target[0] != "col" or expression[0] in ("col", "lit"):
            continue
        inputs: list[str] = []
        try:
            compute = _compile(expression, inputs)
        except Unsupported:
            continue
        if inputs and target[1] not in inputs:
            return target[1], tuple(inputs), _positional(tuple(inputs), compute)
    return None


def _positional(names: tuple[str, ...], compute: Callable[[dict[str, Any]], Any]) -> Any:
    """fn(*values) for a function of the row by column name."""

    def fn(*values: Any) -> Any:
        return compute(dict(zip(names, values, strict=True)))

    return fn


def _compile(node: Node, inputs: list[str]) -> Callable[[dict[str, Any]], Any]:
    """A function of the row (column -> value) for an arithmetic expression, or Unsupported."""
    kind = node[0]
    if kind == "col":
        name = node[1]
        if name not in inputs:
            inputs.append(name)
        return lambda row: row[name]
    if kind == "lit":
        value = _number(node[1])
        return lambda row: value
    if kind == "neg":
        inner = _compile(node[1], inputs)
        return lambda row: None if (v := inner(row)) is None else -v
    if kind == "arith" and node[1] in _ARITH:
        op, left, right = _ARITH[node[1]], _compile(node[2], inputs), _compile(node[3], inputs)
        return lambda row: _both(op, left(row), right(row))
    if kind == "func" and node[1] == "round" and 1 <= len(node[2]) <= 2:
        if len(node[2]) == 2 and node[2][1][0] != "lit":
            raise Unsupported("round")
        inner = _compile(node[2][0], inputs)
        places = int(_number(node[2][1][1])) if len(node[2]) == 2 else 0
        return lambda row: _round(inner(row), places)
    if kind == "func" and node[1] == "coalesce" and node[2]:
        parts = [_compile(part, inputs) for part in node[2]]
        return lambda row: next((v for p in parts if (v := p(row)) is not None), None)
    raise Unsupported(kind)


def _number(text: Any) -> int | Decimal:
    if not isinstance(text, str):
        raise Unsupported("literal")
    try:
        return int(text) if text.lstrip("-").isdigit() else Decimal(text)
    except InvalidOperation as exc:
        raise Unsupported("literal") from exc


def _both(op: Callable[[Any, Any], Any], a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    if isinstance(a, float) or isinstance(b, float):  # numeric meets float8: float8
        return op(float(a), float(b))
    return op(a, b)


def _round(value: Any, places: int) -> Any:
    """PostgreSQL's round(numeric): half away from zero."""
    if value is None or (isinstance(value, int) and places >= 0):
        return value
    if isinstance(value, float):
        value = Decimal(repr(value))
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
