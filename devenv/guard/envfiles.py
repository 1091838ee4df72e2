"""The project's env files: which ones exist, and their variables as python-dotenv reads them."""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from dotenv.parser import parse_stream

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 1 << 20  # env and credential files are small; anything bigger is not one
_NEWLINE = re.compile(r"\r\n|\n|\r")


@dataclass(frozen=True)
class Variable:
    """One variable of one source; `line` is where it starts in its file (None for the process)."""

    name: str
    value: str = field(repr=False)
    line: int | None = None


def parse_env_text(text: str) -> list[Variable]:
    """Read every assignment of dotenv text with its line, as python-dotenv parses it.

    Commented-out lines and keys without `=` are not set. A key assigned twice yields both
    assignments: the earlier one is still written in the file.
    """
    variables = []
    for binding in parse_stream(io.StringIO(text)):
        if binding.error or binding.key is None or binding.value is None:
            continue
        original = binding.original.string
        blank = original[: len(original) - len(original.lstrip())]
        line = binding.original.line + len(_NEWLINE.findall(blank))
        variables.append(Variable(binding.key, binding.value, line))
    return variables


def project_env_files(project_dir: Path) -> list[Path]:
    """`.env`, `.env.*` (templates such as `.env.example` included) and `.envrc` at the root."""
    try:
        entries = sorted(project_dir.iterdir())
    except OSError:
        return []
    return [
        path
        for path in entries
        if (path.name in {".env", ".envrc"} or path.name.startswith(".env.")) and path.is_file()
    ]


def read_small_text(path: Path) -> str | None:
    """Read a regular file of up to MAX_FILE_BYTES (None if missing, unreadable or larger)."""
    try:
        if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in a path from a variable
        log.debug("guard: cannot read %s: %s", path, exc)
        return None
