"""The one module that prints: rich tables for people, JSON for scripts, secrets always redacted."""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

REDACTED = "****"


class Redactor:
    """Replaces known secret values in any text before it is shown or logged."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, values: Iterable[str]) -> None:
        """Remember more secret values (short ones are ignored: they would mangle text)."""
        self._secrets.update(v for v in values if len(v) >= 6)

    def __call__(self, text: str) -> str:
        """Return text with every known secret replaced."""
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text


redact = Redactor()
_out = Console(highlight=False, soft_wrap=True)
_err = Console(stderr=True, highlight=False, soft_wrap=True)


class _RedactingFilter(logging.Filter):
    """Keeps secrets out of log records."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        return True


def setup_logging(*, verbose: bool) -> None:
    """Log to stderr (warnings, or everything with --verbose), secrets redacted."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RedactingFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("devenv")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)


def to_jsonable(value: Any) -> Any:
    """Dataclasses, paths and tuples as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.compare
        }
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def emit_json(value: Any) -> None:
    """Print one JSON document on stdout."""
    _out.out(redact(json.dumps(to_jsonable(value), indent=2, default=str)), highlight=False)


def line(text: str = "") -> None:
    """Print a line for people on stdout."""
    _out.print(redact(text), markup=False)


def rich_line(text: str) -> None:
    """Print a line with rich markup on stdout."""
    _out.print(redact(text))


def notice(text: str) -> None:
    """A side note (waiting, port moved, fallback) on stderr, so stdout stays parseable."""
    _err.print(f"[yellow]•[/] {redact(text)}", soft_wrap=True)


def error(message: str, hint: str) -> None:
    """`Error: …` and `Hint: …` on stderr."""
    _err.print(f"Error: {redact(message)}", markup=False, highlight=False)
    if hint:
        _err.print(f"Hint: {redact(hint)}", markup=False, highlight=False)


def styled(text: str, style: str) -> Text:
    """A table cell shown in a style (plain strings are shown as they are, never as markup)."""
    return Text(redact(text), style=style)


def table(
    title: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    whole: Sequence[str] = (),
) -> None:
    """A rich table on stdout; cell text is never read as markup (data may hold brackets).

    Columns in `whole` (URLs, say) are never wrapped, so they can be copied; others fold.
    Off a terminal (a pipe, a CI log) the table takes the width its cells need.
    """
    cells = [[c if isinstance(c, Text) else Text(redact(str(c))) for c in row] for row in rows]
    grid = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    for i, column in enumerate(columns):
        if column in whole:
            widest = max((cell_len(row[i].plain) for row in cells), default=0)
            grid.add_column(column, no_wrap=True, min_width=max(widest, cell_len(column)))
        else:
            grid.add_column(column, overflow="fold")
    for row in cells:
        grid.add_row(*row)
    if _out.is_terminal:
        _out.print(grid)
        return
    before = _out.width
    _out.width = max(before, Measurement.get(_out, _out.options.update(width=4096), grid).maximum)
    try:
        _out.print(grid)
    finally:
        _out.width = before


def is_tty() -> bool:
    """True when stdout is a terminal."""
    return _out.is_terminal


def err_console() -> Console:
    """The stderr console (progress bars draw there)."""
    return _err
