"""Project state under `.devenv/`: per-project secrets, chosen ports, running processes."""

from __future__ import annotations

import json
import os
import secrets as _secrets
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from devenv.errors import ConfigError

SECRETS_FILE = "secrets.json"
STATE_FILE = "state.json"


@dataclass(frozen=True)
class Secrets:
    """Generated once per project, never shared: the database password, S3 keys, JWT secret."""

    postgres_password: str
    s3_access_key: str
    s3_secret_key: str
    jwt_secret: str

    @classmethod
    def generate(cls) -> Secrets:
        """Create fresh random secrets. Local keys carry a `devenv-` prefix no cloud key has."""
        return cls(
            postgres_password=_secrets.token_urlsafe(24),
            s3_access_key="devenv-" + _secrets.token_hex(8),
            s3_secret_key="devenv-" + _secrets.token_hex(20),
            jwt_secret=_secrets.token_urlsafe(48),
        )

    def values(self) -> tuple[str, ...]:
        """Every secret value, so that output can redact them."""
        return tuple(asdict(self).values())


@dataclass(frozen=True)
class ProcessRecord:
    """A native process devenv started: enough to find it again and to tell pid reuse apart."""

    pid: int
    start_time: int
    argv0: str
    stop_signal: int = 15
    leftovers: tuple[str, ...] = ()  # see NativeCommand.leftovers


@dataclass
class ProjectState:
    """What devenv remembers between commands: runtime, ports and native processes."""

    runtime: str | None = None
    ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, ProcessRecord] = field(default_factory=dict)
    postgres_data: str | None = None
    postgres_bin: str | None = None
    buckets: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Serialize to plain JSON types."""
        data = asdict(self)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProjectState:
        """Read back what to_json wrote."""
        procs = {
            k: ProcessRecord(**{**v, "leftovers": tuple(v.get("leftovers", ()))})
            for k, v in data.get("processes", {}).items()
        }
        return cls(
            runtime=data.get("runtime"),
            ports={k: int(v) for k, v in data.get("ports", {}).items()},
            processes=procs,
            postgres_data=data.get("postgres_data"),
            postgres_bin=data.get("postgres_bin"),
            buckets=list(data.get("buckets", [])),
        )


def ensure_state_dir(state_dir: Path) -> Path:
    """Create `.devenv/` (private to the user) with a .gitignore of its own."""
    # Not private: when devenv runs as root, PostgreSQL's unprivileged user must reach its data.
    # The secrets file inside is private.
    state_dir.mkdir(mode=0o755, parents=True, exist_ok=True)
    ignore = state_dir / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")
    return state_dir


def load_secrets(state_dir: Path, *, create: bool = True) -> Secrets | None:
    """Return the project's secrets, generating and saving them on first use."""
    path = state_dir / SECRETS_FILE
    if path.exists():
        try:
            return Secrets(**json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                f"{path} is damaged: {exc}",
                hint="Run `devenv destroy` to start over with fresh secrets and empty data.",
            ) from exc
    if not create:
        return None
    generated = Secrets.generate()
    ensure_state_dir(state_dir)
    write_atomic(path, json.dumps(asdict(generated), indent=2) + "\n", mode=0o600)
    return generated


def load_state(state_dir: Path) -> ProjectState:
    """Read state.json, or an empty state if there is none."""
    path = state_dir / STATE_FILE
    if not path.exists():
        return ProjectState()
    try:
        return ProjectState.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ConfigError(
            f"{path} is damaged: {exc}",
            hint=f"Delete {path} and run `devenv up`; your data is kept.",
        ) from exc


def save_state(state_dir: Path, state: ProjectState) -> None:
    """Write state.json atomically."""
    ensure_state_dir(state_dir)
    write_atomic(state_dir / STATE_FILE, json.dumps(state.to_json(), indent=2) + "\n", mode=0o600)


def write_atomic(path: Path, text: str, *, mode: int = 0o644) -> None:
    """Write a file via a temporary file and a rename, so readers never see half of it."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
