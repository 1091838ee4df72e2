"""Strings that match simple regular expressions, for CHECK (col ~ '^[0-9]{5}$') and domains."""

from __future__ import annotations

import random
import re
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

_DIGITS = "0123456789"
_WORD = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
_ANY = "abcdefghijklmnopqrstuvwxyz0123456789"
_OPEN_MAX = 4


class PatternTooHard(ValueError):
    """The regular expression uses a construct this generator does not model."""


def examples(pattern: str, rnd: random.Random, *, count: int = 1024) -> list[str]:
    """Return distinct strings matching `pattern` (PostgreSQL `~` is a search)."""
    try:
        tree = sre_parse.parse(pattern)
    except re.error as exc:
        raise PatternTooHard(str(exc)) from exc
    out = {_render(tree, rnd) for _ in range(count)}
    checked = [s for s in sorted(out) if re.search(pattern, s)]
    if not checked:
        raise PatternTooHard(pattern)
    return checked


def widths(pattern: str) -> tuple[int, int | None]:
    """The shortest and longest strings `pattern` accepts (longest: None when unbounded)."""
    try:
        low, high = sre_parse.parse(pattern).getwidth()
    except re.error:
        return 0, None
    anchored = pattern.startswith("^") and pattern.endswith("$") and not pattern.endswith("\\$")
    return low, high if anchored and high < sre.MAXREPEAT else None


def _render(items: Any, rnd: random.Random) -> str:
    return "".join(_one(op, arg, rnd) for op, arg in items)


def _one(op: Any, arg: Any, rnd: random.Random) -> str:
    if op == sre.LITERAL:
        return chr(arg)
    if op == sre.AT:
        return ""
    if op == sre.NOT_LITERAL:
        return rnd.choice([c for c in _ANY if ord(c) != arg])
    if op == sre.ANY:
        return rnd.choice(_ANY)
    if op == sre.IN:
        return rnd.choice(_charset(arg))
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        low, high, body = arg
        high = low + _OPEN_MAX if high == sre.MAXREPEAT else high
        return "".join(_render(body, rnd) for _ in range(rnd.randint(low, high)))
    if op == sre.SUBPATTERN:
        return _render(arg[-1], rnd)
    if op == sre.BRANCH:
        return _render(rnd.choice(arg[1]), rnd)
    if op == sre.CATEGORY:
        return rnd.choice(_category(arg))
    raise PatternTooHard(str(op))


def _charset(items: Any) -> str:
    if items and items[0][0] == sre.NEGATE:
        excluded = set(_charset(items[1:]))
        return "".join(c for c in _ANY if c not in excluded) or "x"
    chars: list[str] = []
    for op, arg in items:
        if op == sre.LITERAL:
            chars.append(chr(arg))
        elif op == sre.RANGE:
            chars.extend(chr(c) for c in range(arg[0], arg[1] + 1))
        elif op == sre.CATEGORY:
            chars.extend(_category(arg))
        else:
            raise PatternTooHard(str(op))
    return "".join(chars)


def _category(arg: Any) -> str:
    if arg == sre.CATEGORY_DIGIT:
        return _DIGITS
    if arg == sre.CATEGORY_WORD:
        return _WORD
    if arg == sre.CATEGORY_SPACE:
        return " "
    raise PatternTooHard(str(arg))
