"""Check configuration values against the Settings schema: types, ranges, names, lines."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import is_dataclass
from typing import Any, Literal, get_args, get_origin, get_type_hints

from devenv.config_file import ConfigSource, key_line
from devenv.errors import ConfigError

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,56}[a-z0-9]$")


def valid_bucket(name: str) -> bool:
    """Return True for a usable S3 bucket name: 3-58 lowercase letters, digits, '.' and '-'."""
    return bool(_BUCKET_RE.match(name))


def validated(data: Mapping[str, Any], source: ConfigSource, *, prefix: str) -> dict[str, Any]:
    """Check every key and type of a parsed file against the Settings schema."""
    out: dict[str, Any] = {}
    schema = schema_for(prefix)
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
            out[key] = validated(value, source, prefix=f"{dotted}.")
        else:
            problem = _problem(dotted, value)
            if problem:
                raise ConfigError.at(source.path, key_line(source, dotted), dotted, problem)
            out[key] = value
    return out


def schema_for(prefix: str) -> dict[str, Any]:
    """Return {key: type} for the table at a dotted prefix ("" or "postgres.")."""
    from devenv.settings import Settings  # the schema is the Settings dataclasses themselves

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


def from_environ(environ: Mapping[str, str]) -> dict[str, Any]:
    """Read DEVENV_<SECTION>_<KEY> (or DEVENV_<KEY> for top-level keys) variables."""
    out: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith("DEVENV_"):
            continue
        dotted = _env_key(name[len("DEVENV_") :].lower())
        if dotted is None:
            continue  # not a setting (e.g. DEVENV_ENVIRONMENT written to .env.local)
        out = deep_merge(out, nest(dotted, _coerce_text(dotted, raw, origin=f"${name}")))
    return out


def _env_key(rest: str) -> str | None:
    """Map 'postgres_port' to 'postgres.port' when that names a setting."""
    top = schema_for("")
    if rest in top and not is_dataclass(top[rest]):
        return rest
    for section, cls in top.items():
        if is_dataclass(cls) and rest.startswith(section + "_"):
            key = rest[len(section) + 1 :]
            if key in schema_for(section + ".") and key != "images":
                return f"{section}.{key}"
    return None


def _expected_type(dotted: str) -> Any:
    """The declared type of a dotted settings key."""
    *parents, key = dotted.split(".")
    prefix = "".join(p + "." for p in parents)
    schema = schema_for(prefix)
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


# Settings whose command-line flag is not their dotted name with dashes.
_FLAGS = {"seed.scale": "--scale", "seed.seed": "--seed"}
# The seed number is stored with the seed's provenance as a PostgreSQL bigint.
SEED_RANGE = (-(2**63), 2**63 - 1)


def coerce_flag(dotted: str, value: Any) -> Any:
    """Check a value that came from a command-line flag."""
    problem = _problem(dotted, value)
    if problem:
        flag = _FLAGS.get(dotted, f"--{dotted.replace('.', '-')}")
        raise ConfigError(f"{flag}: {problem}", hint="Check the flag's value.")
    return value


def _value_problem(dotted: str, value: Any) -> str | None:
    """Range checks that types alone cannot express."""
    key = dotted.rsplit(".", 1)[-1]
    if key.endswith("port") and not 1024 <= value <= 65535:
        return f"{value} is not a usable port (1024-65535)"
    if dotted == "name" and not _NAME_RE.match(value):
        return f"{value!r} is not a valid project name: use lowercase letters, digits, '-', '_'"
    if dotted == "seed.seed" and not SEED_RANGE[0] <= value <= SEED_RANGE[1]:
        return f"{value} is out of range ({SEED_RANGE[0]} to {SEED_RANGE[1]})"
    if dotted == "postgres.version" and not 13 <= value <= 18:
        return f"PostgreSQL {value} is not supported (13-18)"
    if dotted == "supabase.exclude":
        from devenv.settings import SUPABASE_SERVICES

        unknown = [name for name in value if name not in SUPABASE_SERVICES]
        if unknown:
            known = ", ".join(SUPABASE_SERVICES)
            return f"{unknown[0]!r} is not a Supabase service (one of {known})"
    if dotted == "s3.buckets":
        bad = [b for b in value if not valid_bucket(f"local-{b}")]
        if bad:
            return f"{bad[0]!r} is not a valid bucket name (lowercase letters, digits, '.', '-')"
    return None


def _problem(dotted: str, value: Any) -> str | None:
    """Describe why a value does not fit its setting, or None."""
    return _type_problem(value, _expected_type(dotted)) or _value_problem(dotted, value)


def nest(dotted: str, value: Any) -> dict[str, Any]:
    """Turn 'a.b' = v into {'a': {'b': v}}."""
    head, _, rest = dotted.partition(".")
    return {head: nest(rest, value) if rest else value}


def deep_merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """Merge nested dicts, top winning."""
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and key != "images":
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
