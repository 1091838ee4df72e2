"""Locate the data shipped with devenv: compose fragments, seed rules and project templates."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_KNOWN = ("compose", "seeds", "templates")


def resource_dir(name: str) -> Path:
    """Return the directory holding the shipped `compose`, `seeds` or `templates` data."""
    if name not in _KNOWN:
        raise ValueError(f"unknown resource directory {name!r}")
    installed = _PACKAGE_DIR / "_data" / name
    if installed.is_dir():
        return installed
    # A source checkout or an editable install keeps the data at the repository root.
    return _PACKAGE_DIR.parent / name
