"""Parse the CHECK expressions PostgreSQL deparses (pg_get_constraintdef) into small trees."""

from __future__ import annotations

import re
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

Node = tuple[Any, ...]


class Unsupported(Exception):
    """The expression uses syntax this parser does not model."""


def tokenize(text: str) -> list[tuple[str, str]]:
    """Split a deparsed SQL expression into (kind, text) tokens."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise Unsupported(text[pos:])
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
            raise Unsupported(f"expected {text!r}, got {value!r}")
        self.pos += 1
        return value

    def parse(self) -> Node:
        node = self.or_()
        if self.peek()[0] != "eof":
            raise Unsupported(self.peek()[1])
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
            raise Unsupported(text)
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
        raise Unsupported(text)
    return _Parser(text[5:]).parse()
