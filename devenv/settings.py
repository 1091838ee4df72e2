"""Frozen settings, built once. Precedence: CLI flag > DEVENV_* environment > file > default."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints

from devenv.config_file import ConfigSource, find_config, key_line
from devenv.errors import ConfigError

Runtime = Literal["auto", "native", "docker"]
Scale = Literal["small", "medium", "large"]

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,56}[a-z0-9]$")
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
    """Build Settings from defaults, the config file, DEVENV_* variables and flags (dotted keys)."""
    project_dir = project_dir.resolve()
    source = find_config(project_dir)
    values: dict[str, Any] = {}
    if source is not None:
        values = _validated(source.data, source, prefix="")
    values = _deep_merge(values, _from_environ(environ or {}))
    for dotted, value in (overrides or {}).items():
        if value is not None:
            values = _deep_merge(values, _nest(dotted, _coerce_flag(dotted, value)))
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


def _validated(data: Mapping[str, Any], source: ConfigSource, *, prefix: str) -> dict[str, Any]:
    """Check every key and type of a parsed file against the Settings schema."""
    out: dict[str, Any] = {}
    schema = _schema_for(prefix)
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if key not in schema:
            known = ", ".join(sorted(schema))
            raise ConfigError.at(
                source.path, key_line(source, dotted), dotted, f"unknown key (known: {known})"
            )
        expected = schema[key]
        if is_dataclass(expected):
            if not isinstance(value, dict):
                raise ConfigError.at(
                    source.path, key_line(source, dotted), dotted, "must be a table"
                )
            out[key] = _validated(value, source, prefix=f"{dotted}.")
        else:
            problem = _problem(dotted, value)
            if problem:
                raise ConfigError.at(source.path, key_line(source, dotted), dotted, problem)
            out[key] = value
    return out


def _schema_for(prefix: str) -> dict[str, Any]:
    """Return {key: type} for the table at a dotted prefix ("" or "postgres.")."""
    cls: Any = Settings
    for part in filter(None, prefix.split(".")):
        cls = get_type_hints(cls)[part]
    hints = get_type_hints(cls)
    return {k: v for k, v in hints.items() if k not in ("project_dir", "config_file")}


def _type_problem(value: Any, expected: Any) -> str | None:
    """Describe why value does not fit the expected type, or None if it does."""
    origin = get_origin(expected)
    if origin is Literal:
        allowed = get_args(expected)
        return (
            None
            if value in allowed
            else f"must be one of {', '.join(map(repr, allowed))}, not {value!r}"
        )
    if origin is tuple:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return None
        return "must be a list of strings"
    if origin is Mapping:
        if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
            return None
        return "must be a table of strings"
    if expected is bool:
        return None if isinstance(value, bool) else f"must be true or false, not {value!r}"
    if expected is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else f"must be an integer, not {value!r}"
    if expected is str:
        return None if isinstance(value, str) else f"must be a string, not {value!r}"
    raise TypeError(f"unsupported settings type {expected!r}")


def _from_environ(environ: Mapping[str, str]) -> dict[str, Any]:
    """Read DEVENV_<SECTION>_<KEY> (or DEVENV_<KEY> for top-level keys) variables."""
    out: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith("DEVENV_"):
            continue
        dotted = _env_key(name[len("DEVENV_") :].lower())
        if dotted is None:
            continue  # not a setting (e.g. DEVENV_ENVIRONMENT written to .env.local)
        out = _deep_merge(out, _nest(dotted, _coerce_text(dotted, raw, origin=f"${name}")))
    return out


def _env_key(rest: str) -> str | None:
    """Map 'postgres_port' to 'postgres.port' when that names a setting."""
    top = _schema_for("")
    if rest in top and not is_dataclass(top[rest]):
        return rest
    for section, cls in top.items():
        if is_dataclass(cls) and rest.startswith(section + "_"):
            key = rest[len(section) + 1 :]
            if key in _schema_for(section + ".") and key != "images":
                return f"{section}.{key}"
    return None


def _expected_type(dotted: str) -> Any:
    """The declared type of a dotted settings key."""
    *parents, key = dotted.split(".")
    prefix = "".join(p + "." for p in parents)
    schema = _schema_for(prefix)
    if key not in schema:
        raise ConfigError(
            f"unknown setting {dotted!r}", hint="Run `devenv --help` for the options."
        )
    return schema[key]


def _coerce_text(dotted: str, raw: str, *, origin: str) -> Any:
    """Turn the text of an environment variable into the setting's type."""
    expected = _expected_type(dotted)
    value: Any = raw
    if expected is int:
        try:
            value = int(raw)
        except ValueError:
            value = raw
    elif expected is bool:
        value = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}.get(
            raw.lower(), raw
        )
    elif get_origin(expected) is tuple:
        value = [part.strip() for part in raw.split(",") if part.strip()]
    problem = _problem(dotted, value)
    if problem:
        raise ConfigError(f"{origin}: {dotted}: {problem}", hint=f"Fix or unset {origin[1:]}.")
    return value


def _coerce_flag(dotted: str, value: Any) -> Any:
    """Check a value that came from a command-line flag."""
    problem = _problem(dotted, value)
    if problem:
        raise ConfigError(
            f"--{dotted.replace('.', '-')}: {problem}", hint="Check the flag's value."
        )
    return value


def _nest(dotted: str, value: Any) -> dict[str, Any]:
    """Turn 'a.b' = v into {'a': {'b': v}}."""
    head, _, rest = dotted.partition(".")
    return {head: _nest(rest, value) if rest else value}


def _deep_merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """Merge nested dicts, top winning."""
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and key != "images":
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


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


def _value_problem(dotted: str, value: Any) -> str | None:
    """Range checks that types alone cannot express."""
    key = dotted.rsplit(".", 1)[-1]
    if key.endswith("port") and not 1024 <= value <= 65535:
        return f"{value} is not a usable port (1024-65535)"
    if dotted == "name" and not _NAME_RE.match(value):
        return f"{value!r} is not a valid project name: use lowercase letters, digits, '-', '_'"
    if dotted == "postgres.version" and not 13 <= value <= 18:
        return f"PostgreSQL {value} is not supported (13-18)"
    if dotted == "supabase.exclude":
        unknown = [name for name in value if name not in SUPABASE_SERVICES]
        if unknown:
            known = ", ".join(SUPABASE_SERVICES)
            return f"{unknown[0]!r} is not a Supabase service (one of {known})"
    if dotted == "s3.buckets":
        bad = [b for b in value if not _BUCKET_RE.match(f"local-{b}")]
        if bad:
            return f"{bad[0]!r} is not a valid bucket name (lowercase letters, digits, '.', '-')"
    return None


def _problem(dotted: str, value: Any) -> str | None:
    """Describe why a value does not fit its setting, or None."""
    return _type_problem(value, _expected_type(dotted)) or _value_problem(dotted, value)
