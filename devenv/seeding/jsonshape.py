"""Give JSON values the keys that CHECKs ask for: `data ? 'kind'`, `data ->> 'status' IN (...)`.

Read from the server's own text of the CHECK (pg_get_constraintdef), parentheses set aside:

    data ? 'k'                    data ?& ARRAY['a', 'b']        data ?| ARRAY['a', 'b']
    data ->> 'k' IS NOT NULL      data ->> 'k' = 'x'             data ->> 'k' = ANY (ARRAY[...])
    data @> '{"v": 1}'            jsonb_typeof(data -> 'k') = 'array'
    data -> 'meta' ? 'id'         (a path of -> steps before any of them)

Values get what these require and keep the rest of what they had. The database still checks
every value afterwards, so a CHECK read too generously only costs values, never a bad row.
"""

from __future__ import annotations

import json
import random
import re
from copy import deepcopy
from typing import Any

_LITERAL = r"'(?:[^']|'')*'"
_STEP = rf"\s*->\s*{_LITERAL}::text"
_LIST = rf"ARRAY\[((?:\s*{_LITERAL}::text\s*,?)+)\]"
_TYPES: dict[str, Any] = {"array": [], "object": {}, "number": 1, "boolean": True, "string": ""}

Path = tuple[str, ...]


def _unquote(literal: str) -> str:
    return literal[1:-1].replace("''", "'")


def _strings(listed: str) -> list[str]:
    return [_unquote(m) for m in re.findall(_LITERAL, listed)]


def _bare(definition: str) -> str:
    """The definition without parentheses outside string literals."""
    return re.sub(rf"({_LITERAL})|[()]", lambda m: m[1] or " ", definition)


def _subject(column: str) -> str:
    quoted = '"' + column.replace('"', '""') + '"'
    name = re.escape(quoted)
    if re.fullmatch(r"[a-z_][a-z0-9_$]*", column):
        name = rf"(?:{name}|\b{re.escape(column)}\b)"
    return rf"{name}((?:{_STEP})*)"


class Needs:
    """What the CHECKs on one JSON column require, by path of keys."""

    def __init__(self) -> None:
        self.present: list[Path] = []
        self.fixed: dict[Path, Any] = {}
        self.choices: dict[Path, list[str]] = {}

    def __bool__(self) -> bool:
        return bool(self.present or self.fixed or self.choices)

    def apply(self, value: Any, rnd: random.Random, words: list[str]) -> Any:
        """A copy of one value with the required keys (a non-object becomes an object)."""
        out: Any = deepcopy(value) if isinstance(value, dict) else {}
        for path in self.present:
            if _get(out, path) is None:
                _put(out, path, rnd.choice(words))
        for path, choices in self.choices.items():
            _put(out, path, rnd.choice(choices))
        for path, fixed in self.fixed.items():
            current = _get(out, path)
            if isinstance(fixed, dict) and isinstance(current, dict):
                current.update(deepcopy(fixed))
            else:
                _put(out, path, deepcopy(fixed))
        return out


def needs(column: str, definitions: list[str]) -> Needs:
    """Read the requirements on `column` out of CHECK definitions (unknown parts are skipped)."""
    found = Needs()
    subject = _subject(column)
    for text in map(_bare, definitions):
        for m in re.finditer(rf"{subject}\s*\?\s*({_LITERAL})::text", text):
            found.present.append((*_path(m[1]), _unquote(m[2])))
        for m in re.finditer(rf"{subject}\s*\?([&|])\s*{_LIST}", text):
            keys = _strings(m[3])
            found.present += [(*_path(m[1]), k) for k in (keys if m[2] == "&" else keys[:1])]
        arrow = rf"{subject}\s*->>\s*({_LITERAL})::text"  # the text of a key
        for m in re.finditer(rf"{subject}\s*->>?\s*({_LITERAL})::text\s+IS NOT NULL", text):
            found.present.append((*_path(m[1]), _unquote(m[2])))
        for m in re.finditer(rf"{arrow}\s*=\s*ANY\s*{_LIST}", text):
            found.choices[(*_path(m[1]), _unquote(m[2]))] = _strings(m[3])
        for m in re.finditer(rf"{arrow}\s*=\s*({_LITERAL})::text", text):
            found.fixed[(*_path(m[1]), _unquote(m[2]))] = _unquote(m[3])
        for m in re.finditer(rf"{subject}\s*@>\s*({_LITERAL})::jsonb?", text):
            try:
                found.fixed[_path(m[1])] = json.loads(_unquote(m[2]))
            except json.JSONDecodeError:
                continue
        for m in re.finditer(rf"\bjsonb?_typeof\s*{subject}\s*=\s*({_LITERAL})::text", text):
            kind = _unquote(m[2])
            if kind in _TYPES and _path(m[1]):
                found.fixed.setdefault(_path(m[1]), _TYPES[kind])
    return found


def _path(steps: str) -> Path:
    return tuple(_unquote(m) for m in re.findall(_LITERAL, steps or ""))


def _get(value: Any, path: Path) -> Any:
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _put(value: dict[str, Any], path: Path, item: Any) -> None:
    if not path:
        if isinstance(item, dict):
            value.update(item)
        return
    for key in path[:-1]:
        if not isinstance(value.get(key), dict):
            value[key] = {}
        value = value[key]
    value[path[-1]] = item
