"""Find and parse the project's configuration file, keeping enough text to name lines in errors."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devenv.errors import ConfigError

CONFIG_NAME = "devenv.toml"
_HEADER_RE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_LINE_RE = re.compile(r"at line (\d+)")
_KEY_RE = re.compile(r"^\s*([A-Za-z0-9_.\"'-]+)\s*=")


@dataclass(frozen=True)
class ConfigSource:
    """A parsed configuration file: its path, its devenv table and its text."""

    path: Path
    data: dict[str, Any]
    text: str
    table_prefix: str  # "" for devenv.toml, "tool.devenv." for pyproject.toml


def find_config(project_dir: Path) -> ConfigSource | None:
    """Return devenv.toml, else pyproject.toml's [tool.devenv], else None."""
    toml_path = project_dir / CONFIG_NAME
    if toml_path.is_file():
        text, data = _parse(toml_path)
        return ConfigSource(toml_path, data, text, "")
    pyproject = project_dir / "pyproject.toml"
    if pyproject.is_file():
        text, data = _parse(pyproject)
        table = data.get("tool", {}).get("devenv")
        if isinstance(table, dict):
            return ConfigSource(pyproject, table, text, "tool.devenv.")
    return None


def _parse(path: Path) -> tuple[str, dict[str, Any]]:
    """Read and parse a TOML file; a syntax error names the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{path}: cannot read it as UTF-8 text: {exc}",
            hint=f"Fix {path.name} (a UTF-8 TOML file), then run the command again.",
        ) from exc
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _LINE_RE.search(str(exc))
        line = int(found.group(1)) if found else None
        raise ConfigError.at(path, line, "(syntax)", f"invalid TOML: {exc}") from exc


def key_line(source: ConfigSource, dotted: str) -> int | None:
    """Find the line that sets a dotted key (e.g. 'postgres.port'), or None."""
    full = source.table_prefix + dotted
    table = ""
    for number, line in enumerate(source.text.splitlines(), start=1):
        header = _HEADER_RE.match(line)
        if header:
            table = _normalize(header.group(1))
            if table == full:
                return number
            continue
        key = _KEY_RE.match(line)
        if key:
            candidate = f"{table}.{_normalize(key.group(1))}" if table else _normalize(key.group(1))
            if candidate == full:
                return number
    return None


def _normalize(key: str) -> str:
    """Strip quotes and spaces from a TOML key or table name."""
    return ".".join(part.strip().strip("\"'") for part in key.split("."))
