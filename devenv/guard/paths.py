"""Paths named by variables, resolved against the given home and project, and shown with `~`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


def expand(raw: str, *, home: Path, base: Path) -> Path:
    """`~/x` under `home`, absolute paths as they are, relative ones under `base`."""
    text = raw.strip().strip("\"'")
    if text == "~" or text.startswith(("~/", "~\\")):
        return home / text[2:]
    path = Path(text)
    return path if path.is_absolute() else base / path


def configured_dir(
    environ: Mapping[str, str], variable: str, default: Path, *, home: Path, base: Path
) -> Path:
    """Return the directory a variable (e.g. CLOUDSDK_CONFIG) points at, or the default."""
    raw = environ.get(variable, "").strip()
    return expand(raw, home=home, base=base) if raw else default


def display(path: Path, home: Path) -> str:
    """`~/.aws/credentials` for files under home, the full path otherwise."""
    try:
        return "~/" + path.relative_to(home).as_posix()
    except ValueError:
        return str(path)
