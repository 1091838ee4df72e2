"""Frozen settings, built once. Precedence: CLI flag > DEVENV_* environment > file > default."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any, Literal, get_origin, get_type_hints

from devenv.config_check import coerce_flag, deep_merge, from_environ, nest, validated
from devenv.config_file import find_config
from devenv.errors import ConfigError

Runtime = Literal["auto", "native", "docker"]
Scale = Literal["small", "medium", "large"]

# The Supabase services of the Docker stack, as `[supabase] exclude` names them.
SUPABASE_SERVICES = ("api", "auth", "rest", "storage", "meta", "studio", "mail")


@dataclass(frozen=True)
class PostgresSettings:
    """The local PostgreSQL server."""

    version: int = 15
    port: int = 54322
    database: str = "postgres"
    user: str = "postgres"


@dataclass(frozen=True)
class S3Settings:
    """The local S3-compatible object store."""

    port: int = 54330
    console_port: int = 54331
    buckets: tuple[str, ...] = ("uploads",)
    region: str = "us-east-1"
    prefix: str = "local-"


@dataclass(frozen=True)
class MigrationSettings:
    """Where the project's SQL migrations live."""

    dir: str = "migrations"


@dataclass(frozen=True)
class SeedSettings:
    """How the synthetic data is generated."""

    scale: Scale = "small"
    seed: int = 42
    dir: str = "seeds"


@dataclass(frozen=True)
class GuardSettings:
    """Acknowledged false alarms of the credential guard, by fingerprint."""

    allow: tuple[str, ...] = ()


@dataclass(frozen=True)
class SupabaseSettings:
    """Local Supabase."""

    enabled: bool = False
    api_port: int = 54321
    studio_port: int = 54323
    mail_port: int = 54324
    exclude: tuple[str, ...] = ()  # services left out of the stack, like `supabase start -x`


@dataclass(frozen=True)
class DockerSettings:
    """The Docker runtime: image overrides for registry mirrors."""

    images: Mapping[str, str] = field(default_factory=dict)
    timeout: int = 180


@dataclass(frozen=True)
class Settings:
    """Everything a command needs to know, resolved once and passed explicitly."""

    project_dir: Path
    config_file: Path | None = None
    name: str = "devenv"
    runtime: Runtime = "auto"
    postgres: PostgresSettings = field(default_factory=PostgresSettings)
    s3: S3Settings = field(default_factory=S3Settings)
    migrations: MigrationSettings = field(default_factory=MigrationSettings)
    seed: SeedSettings = field(default_factory=SeedSettings)
    guard: GuardSettings = field(default_factory=GuardSettings)
    supabase: SupabaseSettings = field(default_factory=SupabaseSettings)
    docker: DockerSettings = field(default_factory=DockerSettings)

    @property
    def state_dir(self) -> Path:
        """Where native state (data, logs, secrets, ports) lives: gitignored, inside the project."""
        return self.project_dir / ".devenv"

    @property
    def migrations_dir(self) -> Path:
        """The migrations directory; a Supabase CLI layout (supabase/migrations) is found too."""
        configured = self.project_dir / self.migrations.dir
        supabase_layout = self.project_dir / "supabase" / "migrations"
        if not configured.is_dir() and supabase_layout.is_dir():
            return supabase_layout
        return configured

    @property
    def seeds_dir(self) -> Path:
        """The seed definitions directory, resolved against the project."""
        return self.project_dir / self.seed.dir

    def bucket_names(self) -> dict[str, str]:
        """Map each configured bucket to its real, prefixed name."""
        return {
            b: b if b.startswith(self.s3.prefix) else self.s3.prefix + b for b in self.s3.buckets
        }


_SECTIONS = {
    f.name: f.type for f in fields(Settings) if f.name not in ("project_dir", "config_file")
}


def load_settings(
    project_dir: Path,
    *,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build Settings from defaults, the config file, DEVENV_* variables and flags (dotted keys).

    The project directory must exist: a mistyped `-C` must not start a stack somewhere new.
    """
    project_dir = project_dir.resolve()
    if not project_dir.is_dir():
        what = "is not a directory" if project_dir.exists() else "does not exist"
        raise ConfigError(
            f"the project directory {project_dir} {what}",
            hint="Check the path given with -C, or create a project there: `devenv init -C DIR`.",
        )
    source = find_config(project_dir)
    values: dict[str, Any] = {}
    if source is not None:
        values = validated(source.data, source, prefix="")
    values = deep_merge(values, from_environ(environ or {}))
    for dotted, value in (overrides or {}).items():
        if value is not None:
            values = deep_merge(values, nest(dotted, coerce_flag(dotted, value)))
    values.setdefault("name", sanitize_name(project_dir.name))
    # Supabase apps (and its services in Docker) use the `postgres` database.
    supabase = bool(values.get("supabase", {}).get("enabled"))
    default_db = "postgres" if supabase else values["name"].replace("-", "_")
    values.setdefault("postgres", {}).setdefault("database", default_db)
    settings: Settings = _build(Settings, values, project_dir=project_dir)
    return replace(settings, config_file=source.path if source else None)


def sanitize_name(raw: str) -> str:
    """Turn a directory name into a project name: lowercase letters, digits, '-' and '_'."""
    name = re.sub(r"[^a-z0-9_-]+", "-", raw.lower()).strip("-_")
    return name or "devenv"


def _build(cls: Any, values: Mapping[str, Any], **extra: Any) -> Any:
    """Instantiate a settings dataclass from validated values."""
    hints = get_type_hints(cls)
    kwargs: dict[str, Any] = dict(extra)
    for key, value in values.items():
        expected = hints[key]
        if is_dataclass(expected):
            kwargs[key] = _build(expected, value)
        elif get_origin(expected) is tuple:
            kwargs[key] = tuple(value)
        else:
            kwargs[key] = value
    return cls(**kwargs)
