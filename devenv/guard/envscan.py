"""Scan one set of variables: the process environment or one env file."""

from __future__ import annotations

import re
from collections.abc import Sequence

from devenv.guard.documents import detect_document
from devenv.guard.envfiles import Variable, parse_env_text
from devenv.guard.model import Finding, Hit, finding, unique_hits
from devenv.guard.names import by_name, pair_hits

# Proxy settings carry proxy logins, not access to cloud data: their web URLs are not findings.
_PROXY_VARIABLES = re.compile(r"(?i)(?:[a-z]+_)?proxy")


def detect_value(name: str, value: str) -> list[Hit]:
    """Every credential in one variable: by the value's shape, then by the variable's name."""
    hits = detect_document(value)
    if _PROXY_VARIABLES.fullmatch(name):
        hits = [hit for hit in hits if hit.provider != "url"]
    hits += by_name(name, value.strip(), shaped=bool(hits))
    return unique_hits(hits)


def scan_variables(variables: Sequence[Variable], *, file: str | None) -> list[Finding]:
    """Scan one source's variables; `file` is its display name (None for the process)."""
    found = [(v, hit) for v in variables for hit in detect_value(v.name, v.value)]
    latest = {v.name: v for v in variables}  # what a program loading this source sees
    found += [
        (latest[name], hit) for name, hit in pair_hits({n: v.value for n, v in latest.items()})
    ]
    found.sort(key=lambda pair: pair[0].line or 0)
    return [_finding(hit, variable, file) for variable, hit in found]


def scan_env_text(text: str, *, source: str) -> list[Finding]:
    """Check the text of one env file; findings are named `<source>:<line>`."""
    return scan_variables(parse_env_text(text), file=source)


def _finding(hit: Hit, variable: Variable, file: str | None) -> Finding:
    if file is None:
        source = f"env {variable.name}"
        fix = f"Unset {variable.name} in this shell and remove it from your shell profile."
    else:
        source = f"{file}:{variable.line}"
        fix = f"Remove {variable.name} from {file}, or replace it with a local value."
    return finding(hit, source=source, fix=fix)
