"""Understand simple CHECK constraints: IN lists, comparisons, ranges, lengths, column order."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<str>'(?:[^']|'')*')
    | (?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
    | (?P<qid>"(?:[^"]|"")*")
    | (?P<id>[A-Za-z_][A-Za-z0-9_$]*)
    | (?P<op>::|<>|!=|<=|>=|\|\||!~~\*|!~~|~~\*|~~|!~\*|!~|~\*|[=<>~(),\[\]+\-*/])
    )""",
    re.VERBOSE,
)
_MULTIWORD = {"with", "without", "time", "zone", "varying", "precision"}
_COMPARE = {"=", "<>", "!=", "<", "<=", ">", ">="}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "<>": "<>", "!=": "<>"}
_LENGTH_FUNCS = {"length", "char_length", "character_length", "octet_length"}
_TRIM_FUNCS = {"btrim", "trim", "ltrim", "rtrim", "lower", "upper"}

Node = tuple[Any, ...]


class _Unsupported(Exception):
    """The expression uses syntax this parser does not model."""


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


@dataclass(frozen=True)
class Relation:
    """`small` < `large` (or <= when not strict) between two columns of one row."""

    small: str
    large: str
    strict: bool


@dataclass
class CheckFacts:
    """Everything learnt from a table's CHECK constraints."""

    columns: dict[str, ColumnRules] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)

    def rules(self, column: str) -> ColumnRules:
        """Return (creating if needed) the rules of `column`."""
        return self.columns.setdefault(column, ColumnRules())


def tokenize(text: str) -> list[tuple[str, str]]:
    """Split a deparsed SQL expression into (kind, text) tokens."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise _Unsupported(text[pos:])
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Parser:
    """Recursive-descent parser for the expression subset PostgreSQL deparses CHECKs into."""

    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.pos = 0

    def peek(self, offset: int = 0) -> tuple[str, str]:
        i = self.pos + offset
        return self.tokens[i] if i < len(self.tokens) else ("eof", "")

    def word(self, offset: int = 0) -> str:
        kind, text = self.peek(offset)
        return text.lower() if kind == "id" else ""

    def take(self, text: str | None = None) -> str:
        kind, value = self.peek()
        if kind == "eof" or (text is not None and value.lower() != text):
            raise _Unsupported(f"expected {text!r}, got {value!r}")
        self.pos += 1
        return value

    def parse(self) -> Node:
        node = self.or_()
        if self.peek()[0] != "eof":
            raise _Unsupported(self.peek()[1])
        return node

    def or_(self) -> Node:
        parts = [self.and_()]
        while self.word() == "or":
            self.take()
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else ("or", parts)

    def and_(self) -> Node:
        parts = [self.not_()]
        while self.word() == "and":
            self.take()
            parts.append(self.not_())
        return parts[0] if len(parts) == 1 else ("and", parts)

    def not_(self) -> Node:
        if self.word() == "not":
            self.take()
            return ("not", self.not_())
        return self.compare()

    def compare(self) -> Node:
        left = self.arith()
        op = self.peek()[1]
        if self.word() == "is":
            self.take()
            negated = self.word() == "not"
            if negated:
                self.take()
            self.take("null")
            return ("isnull", left, negated)
        if op in _COMPARE or op.startswith(("~", "!~")):
            self.take()
            if self.word() in ("any", "some", "all"):
                quantifier = self.take().lower()
                self.take("(")
                values = self.or_()
                self.take(")")
                return ("any", op, left, values, quantifier)
            return ("cmp", op, left, self.arith())
        return left

    def arith(self) -> Node:
        left = self.unary()
        while self.peek()[1] in ("+", "-", "*", "/", "||"):
            op = self.take()
            left = ("arith", op, left, self.unary())
        return left

    def unary(self) -> Node:
        if self.peek()[1] == "-":
            self.take()
            inner = self.unary()
            if inner[0] == "lit":
                return ("lit", "-" + str(inner[1]))
            return ("neg", inner)
        return self.postfix()

    def postfix(self) -> Node:
        node = self.primary()
        while self.peek()[1] == "::":
            self.take()
            self.typename()
        return node

    def typename(self) -> None:
        self.take()
        while self.word() in _MULTIWORD:
            self.take()
        if self.peek()[1] == "(":
            while self.take() != ")":
                pass
        while self.peek()[1] == "[":
            self.take("[")
            self.take("]")

    def primary(self) -> Node:
        kind, text = self.peek()
        if text == "(":
            self.take()
            node = self.or_()
            self.take(")")
            return node
        if kind == "str":
            self.take()
            return ("lit", text[1:-1].replace("''", "'"))
        if kind == "num":
            self.take()
            return ("lit", text)
        if kind == "qid":
            self.take()
            return ("col", text[1:-1].replace('""', '"'))
        if kind != "id":
            raise _Unsupported(text)
        return self.identifier()

    def identifier(self) -> Node:
        name = self.take()
        lower = name.lower()
        if lower == "array" and self.peek()[1] == "[":
            self.take("[")
            items = [self.or_()]
            while self.peek()[1] == ",":
                self.take()
                items.append(self.or_())
            self.take("]")
            return ("array", items)
        if lower in ("null", "true", "false"):
            return ("lit", None if lower == "null" else lower)
        if self.peek()[1] == "(":
            self.take()
            args: list[Node] = []
            while self.peek()[1] != ")":
                args.append(self.or_())
                if self.peek()[1] == ",":
                    self.take()
            self.take(")")
            return ("func", lower, args)
        return ("col", name)


def parse_check(definition: str) -> Node:
    """Parse `CHECK (...)` as pg_get_constraintdef prints it."""
    text = definition.strip()
    text = re.sub(r"\s+NOT VALID$", "", text)
    if not text.upper().startswith("CHECK"):
        raise _Unsupported(text)
    return _Parser(text[5:]).parse()


def analyse(checks: list[tuple[str, str]], value_column: str | None = None) -> CheckFacts:
    """Turn (name, definition) CHECK constraints into per-column rules and column relations."""
    facts = CheckFacts()
    for name, definition in checks:
        try:
            node = parse_check(definition)
            if value_column is not None:
                node = _rename(node, value_column)
            _apply(node, facts)
        except _Unsupported:
            facts.unsupported.append(name)
    return facts


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
    """Record what one (sub)expression requires, or raise _Unsupported."""
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
        raise _Unsupported(kind)


def _apply_or(parts: list[Node], facts: CheckFacts) -> None:
    """Accept `col IS NULL OR <rule about col>`: generated values are NULL or satisfy the rule."""
    nulls = [p for p in parts if p[0] == "isnull" and not p[2] and p[1][0] == "col"]
    rest = [p for p in parts if p not in nulls]
    if not nulls or len(rest) != 1:
        raise _Unsupported("or")
    _apply(rest[0], facts)


def _apply_choices(column: str, values: Node, facts: CheckFacts) -> None:
    """Record `col = ANY (ARRAY[...])`."""
    if values[0] != "array" or any(v[0] != "lit" or v[1] is None for v in values[1]):
        raise _Unsupported("any")
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
    if op not in _COMPARE:
        raise _Unsupported(op)
    if left[0] == "col" and right[0] == "col":
        _apply_relation(op, left[1], right[1], facts)
    elif left[0] == "col" and right[0] == "lit" and right[1] is not None:
        _apply_bound(facts.rules(left[1]), op, str(right[1]))
    elif left[0] == "func" and right[0] == "lit" and len(left[2]) == 1 and left[2][0][0] == "col":
        _apply_function(left[1], left[2][0][1], op, str(right[1]), facts)
    else:
        raise _Unsupported("compare")


def _apply_relation(op: str, left: str, right: str, facts: CheckFacts) -> None:
    """Record `a < b`, `a <= b`, `a <> b` (the last as a < b, which implies it)."""
    if op in ("<", "<=", "<>"):
        facts.relations.append(Relation(left, right, strict=op != "<="))
    elif op in (">", ">="):
        facts.relations.append(Relation(right, left, strict=op == ">"))
    else:
        raise _Unsupported("column equality")


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
        raise _Unsupported(func)
    number = int(value)
    if op in ("<", "<="):
        limit = number - (op == "<")
        rules.max_length = limit if rules.max_length is None else min(rules.max_length, limit)
    elif op in (">", ">="):
        rules.min_length = max(rules.min_length or 0, number + (op == ">"))
    elif op == "=":
        rules.max_length = rules.min_length = number
    else:
        raise _Unsupported(func)
