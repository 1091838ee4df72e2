"""Rules that depend on a variable's name: SDK variables, 40-character secrets, host + password."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from devenv.guard.addresses import host_of
from devenv.guard.benign import is_benign
from devenv.guard.model import Hit
from devenv.guard.urls import is_remote


def _present(value: str) -> bool:
    return True


def _long(value: str) -> bool:
    return len(value) >= 16


def _base64_key(value: str) -> bool:
    return re.fullmatch(r"[A-Za-z0-9+/]{40,}={0,2}", value) is not None


def _signed(value: str) -> bool:
    return "sig=" in value


@dataclass(frozen=True)
class NameRule:
    """A variable SDKs read credentials (or the way to get them) from."""

    provider: str
    kind: str
    accepts: Callable[[str], bool] = _present


NAME_RULES: dict[str, NameRule] = {
    "AWS_SESSION_TOKEN": NameRule("aws", "session token", _long),
    "AWS_SECURITY_TOKEN": NameRule("aws", "session token", _long),
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": NameRule("aws", "container credentials endpoint"),
    "AWS_CONTAINER_CREDENTIALS_FULL_URI": NameRule("aws", "container credentials endpoint"),
    "AWS_CONTAINER_AUTHORIZATION_TOKEN": NameRule("aws", "container authorization token"),
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": NameRule("aws", "container authorization token"),
    "AWS_WEB_IDENTITY_TOKEN_FILE": NameRule("aws", "web identity token file"),
    "AZURE_CLIENT_SECRET": NameRule("azure", "client secret"),
    "ARM_CLIENT_SECRET": NameRule("azure", "client secret"),
    "AZURE_FEDERATED_TOKEN_FILE": NameRule("azure", "federated token file"),
    "ARM_OIDC_TOKEN_FILE_PATH": NameRule("azure", "federated token file"),
    "IDENTITY_HEADER": NameRule("azure", "managed identity endpoint secret"),
    "MSI_SECRET": NameRule("azure", "managed identity endpoint secret"),
    "AZURE_STORAGE_KEY": NameRule("azure", "storage account key", _base64_key),
    "AZURE_STORAGE_ACCESS_KEY": NameRule("azure", "storage account key", _base64_key),
    "AZURE_STORAGE_ACCOUNT_KEY": NameRule("azure", "storage account key", _base64_key),
    "AZURE_STORAGE_SAS_TOKEN": NameRule("azure", "shared access signature", _signed),
    "SUPABASE_ACCESS_TOKEN": NameRule("supabase", "access token"),
    "GOOGLE_OAUTH_ACCESS_TOKEN": NameRule("gcp", "OAuth access token"),
    "CLOUDSDK_AUTH_ACCESS_TOKEN": NameRule("gcp", "OAuth access token"),
}

_WORDS = re.compile(r"[A-Z0-9]+")
_CREDENTIAL_WORDS = frozenset(
    {"SECRET", "PASSWORD", "PASSWD", "PASS", "PWD", "TOKEN", "KEY", "APIKEY", "CREDENTIAL"}
)
_CREDENTIAL_WORDS |= {"CREDENTIALS", "PAT", "AUTH"}
_NOT_CREDENTIAL_WORDS = frozenset(
    {"PUBLIC", "PUBLISHABLE", "HASH", "SHA", "SHA1", "SHA256", "CHECKSUM", "DIGEST"}
)
_NOT_CREDENTIAL_WORDS |= {"COMMIT", "REVISION", "VERSION", "REF", "ETAG", "FINGERPRINT", "ID"}
# OpenPGP key ids are public fingerprints (the python images set GPG_KEY=<40 hex>).
_NOT_CREDENTIAL_WORDS |= {"GPG", "PGP", "GNUPG"}
_FORTY = re.compile(r"[A-Za-z0-9/+]{40}")
_HOST_SUFFIXES = ("HOSTNAME", "HOST", "SERVER", "ADDRESS", "ADDR")
_PASSWORD_SUFFIXES = ("PASSWORD", "PASSWD", "PASS", "PWD")


def is_credential_name(name: str) -> bool:
    """Tell names that say they hold a secret (…_SECRET, …_TOKEN, …_KEY, …_PASSWORD)."""
    words = set(_WORDS.findall(name.upper()))
    return bool(words & _CREDENTIAL_WORDS) and not words & _NOT_CREDENTIAL_WORDS


def by_name(name: str, value: str, *, shaped: bool) -> list[Hit]:
    """Hits this variable's name adds; `shaped` says whether the value already matched a shape."""
    upper = name.upper()
    if is_benign(value):
        return []
    rule = NAME_RULES.get(upper)
    if rule is not None and rule.accepts(value):
        return [Hit(rule.provider, rule.kind, value)]
    if not shaped and looks_forty(value) and is_credential_name(upper):
        return [_forty(upper, value)]
    return []


def looks_forty(value: str) -> bool:
    """40 characters of base64 with a letter and a digit, and not a path."""
    if not _FORTY.fullmatch(value) or value.startswith("/"):
        return False
    return any(c.isdigit() for c in value) and any(c.isalpha() for c in value)


def _forty(name: str, value: str) -> Hit:
    """Label a 40-character value under a credential name by the provider the name suggests."""
    if name.endswith("SECRET_ACCESS_KEY") or name in {"AWS_SECRET_KEY", "AWS_SECRET"}:
        return Hit("aws", "secret access key", value)
    words = set(_WORDS.findall(name))
    if words & {"AWS", "S3"}:
        provider = "aws"
    elif words & {"GITHUB", "GH"}:
        provider = "github"
    else:
        provider = "generic"
    return Hit(provider, "40-character secret under a credential name", value)


def pair_hits(variables: Mapping[str, str]) -> list[tuple[str, Hit]]:
    """Report password variables whose sibling host variable (same prefix) is remote."""
    hosts: dict[str, str] = {}
    for name, value in variables.items():
        prefix = _prefix(name.upper(), _HOST_SUFFIXES)
        if prefix is not None:
            hosts[prefix] = host_of(value)
    found = []
    for name, value in variables.items():
        prefix = _prefix(name.upper(), _PASSWORD_SUFFIXES)
        host = hosts.get(prefix) if prefix is not None else None
        if host and is_remote(host) and not is_benign(value):
            hit = Hit("database", "host and password in separate variables", f"{host}|{value}")
            found.append((name, hit))
    return found


def _prefix(name: str, suffixes: tuple[str, ...]) -> str | None:
    """`PGHOST` -> "PG", `DB_PASSWORD` -> "DB", `PASSWORD` -> "" (None if no suffix fits)."""
    for suffix in suffixes:
        if name.endswith(suffix):
            return name[: -len(suffix)].rstrip("_")
    return None
