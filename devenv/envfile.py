"""Write `.env.local` in one place: atomically, checked by the guard, keeping the user's lines."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from devenv.errors import CredentialsFound
from devenv.state import write_atomic

ENV_FILE = ".env.local"
MARKER = "# --- devenv: add your own lines below this one; `devenv env` keeps them ---"
_PLAIN = re.compile(r"^[A-Za-z0-9_./:@%+=,-]*$")
IGNORED = (ENV_FILE, ".devenv/")


def render(project: str, variables: Mapping[str, str], *, user_lines: str = "") -> str:
    """The whole file: devenv's block, the marker, then the user's lines."""
    head = [
        f"# Local environment of {project!r}, written by devenv. Every address is 127.0.0.1;",
        "# every key is local to this machine. Nothing here reaches a cloud account.",
    ]
    body = [f"{key}={_quote(value)}" for key, value in variables.items()]
    text = "\n".join([*head, *body, "", MARKER, ""])
    return text + user_lines


def user_section(path: Path) -> str:
    """What the user wrote below the marker in an existing file ('' if none)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    _, found, rest = text.partition(MARKER + "\n")
    if not found:
        _, found, rest = text.partition(MARKER)
    return rest.lstrip("\n") if found else ""


def write_env_file(project_dir: Path, project: str, variables: Mapping[str, str]) -> Path:
    """Check the new text with the guard, then write it atomically (mode 0600)."""
    from devenv.guard import scan_env_text

    path = project_dir / ENV_FILE
    text = render(project, variables, user_lines=user_section(path))
    findings = scan_env_text(text, source=ENV_FILE)
    if findings:
        where = ", ".join(f"{f.source} ({f.provider} {f.kind})" for f in findings)
        raise CredentialsFound(
            f"{ENV_FILE} would hold real cloud credentials: {where}",
            hint=f"Remove those lines below the marker in {path}, then run `devenv env`.",
        )
    write_atomic(path, text, mode=0o600)
    return path


def ensure_gitignored(project_dir: Path) -> list[str]:
    """Add .env.local and .devenv/ to the project's .gitignore if it lacks them."""
    path = project_dir / ".gitignore"
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    lines = {line.strip().lstrip("/") for line in existing.splitlines()}
    missing = [entry for entry in IGNORED if entry not in lines and entry.rstrip("/") not in lines]
    if missing:
        sep = "" if not existing or existing.endswith("\n") else "\n"
        block = "# devenv: local environment and state\n" + "\n".join(missing) + "\n"
        write_atomic(path, existing + sep + block)
    return missing


def _quote(value: str) -> str:
    """Quote a value only when dotenv parsers would otherwise misread it."""
    if _PLAIN.match(value):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'
