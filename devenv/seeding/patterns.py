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


def examples(
    pattern: str,
    rnd: random.Random,
    *,
    count: int = 1024,
    lengths: tuple[int, int | None] = (0, None),
) -> list[str]:
    """Return distinct strings matching `pattern` (PostgreSQL `~` is a search).

    With `lengths` (least, most), open repeats (`+`, `*`) reach up to the most, and only strings
    of those lengths are kept: `^[0-9]+$` in a `char(6)` gives six digits.
    """
    try:
        tree = sre_parse.parse(pattern)
    except re.error as exc:
        raise PatternTooHard(str(exc)) from exc
    least, most = lengths
    reach = max(_OPEN_MAX, min(most or 0, 64))
    out: set[str] = set()
    for _ in range(8 * count):  # strings of the wrong length are drawn again
        text = _render(tree, rnd, reach)
        if least <= len(text) <= (most or len(text)):
            out.add(text)
            if len(out) == count:
                break
    checked = [s for s in sorted(out) if re.search(pattern, s)]
    if not checked:
        raise PatternTooHard(pattern)
    return checked


def alphabets(pattern: str, *, open_repeat: int = 8) -> list[str]:
    """One alphabet per character of the strings `pattern` matches, for distinct codes.

    Bounded repeats take their most characters, open ones (`+`, `*`) `open_repeat` or their
    least; a branch takes its first alternative. Raises PatternTooHard for anything else.
    """
    try:
        tree = sre_parse.parse(pattern)
    except re.error as exc:
        raise PatternTooHard(str(exc)) from exc
    return _alphabets(tree, open_repeat)


def _alphabets(items: Any, open_repeat: int) -> list[str]:
    out: list[str] = []
    for op, arg in items:
        if op == sre.LITERAL:
            out.append(chr(arg))
        elif op == sre.AT:
            continue
        elif op == sre.IN:
            out.append("".join(dict.fromkeys(_charset(arg))))
        elif op == sre.CATEGORY:
            out.append(_category(arg))
        elif op == sre.ANY:
            out.append(_ANY)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            low, high, body = arg
            count = max(low, open_repeat) if high == sre.MAXREPEAT else high
            out += _alphabets(body, open_repeat) * count
        elif op == sre.SUBPATTERN:
            out += _alphabets(arg[-1], open_repeat)
        elif op == sre.BRANCH:
            out += _alphabets(arg[1][0], open_repeat)
        else:
            raise PatternTooHard(str(op))
    return out


def widths(pattern: str) -> tuple[int, int | None]:
    """The shortest and longest strings `pattern` accepts (longest: None when unbounded)."""
    try:
        low, high = sre_parse.parse(pattern).getwidth()
    except re.error:
        return 0, None
    anchored = pattern.startswith("^") and pattern.endswith("$") and not pattern.endswith("\\$")
    return low, high if anchored and high < sre.MAXREPEAT else None


def _render(items: Any, rnd: random.Random, reach: int = _OPEN_MAX) -> str:
    return "".join(_one(op, arg, rnd, reach) for op, arg in items)


def _one(op: Any, arg: Any, rnd: random.Random, reach: int) -> str:
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
        high = low + reach if high == sre.MAXREPEAT else high
        return "".join(_render(body, rnd, reach) for _ in range(rnd.randint(low, high)))
    if op == sre.SUBPATTERN:
        return _render(arg[-1], rnd, reach)
    if op == sre.BRANCH:
        return _render(rnd.choice(arg[1]), rnd, reach)
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
