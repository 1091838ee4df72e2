"""Credentials that are addresses: URLs with passwords, connection strings, cloud project hosts."""

from __future__ import annotations

import re
from collections.abc import Mapping

from devenv.guard.addresses import ParsedUrl, host_of, parse_url
from devenv.guard.benign import is_benign, is_placeholder
from devenv.guard.local import is_local_host, is_reserved_host
from devenv.guard.model import Hit
from devenv.guard.patterns import find_tokens

_URL = re.compile(r"(?<![A-Za-z0-9+.\-])(?:jdbc:)?[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>`]+")
DATABASE_SCHEMES = frozenset(
    {
        "postgres",
        "postgresql",
        "pgsql",
        "mysql",
        "mariadb",
        "mysqlx",
        "redis",
        "rediss",
        "valkey",
        "mongodb",
        "amqp",
        "amqps",
        "mssql",
        "sqlserver",
        "clickhouse",
        "cockroachdb",
        "oracle",
        "db2",
        "snowflake",
        "neo4j",
        "bolt",
        "couchbase",
        "couchbases",
        "cassandra",
        "memcached",
        "nats",
        "tds",
    }
)
_SUPABASE_HOST = re.compile(
    r"(?<![A-Za-z0-9.\-])(?:[A-Za-z0-9\-]+\.)+(?:supabase\.(?:co|in)|pooler\.supabase\.com)"
    r"(?![A-Za-z0-9\-.])",
    re.IGNORECASE,
)
_STORAGE_HOST = re.compile(r"\.(?:blob|queue|table|file|dfs|web)\.core\.windows\.net\Z")
_SEGMENT = re.compile(r"[^\r\n\"'`]+")
_SQL_HOST_KEYS = ("server", "data source", "host", "hostname", "address", "addr", "network address")


def is_remote(host: str) -> bool:
    """Tell a host that is neither local, a documentation name, nor a placeholder."""
    return not (is_local_host(host) or is_reserved_host(host) or is_placeholder(host))


def is_supabase_host(host: str) -> bool:
    """Recognise Supabase cloud hosts: <ref>.supabase.co/.in and *.pooler.supabase.com."""
    return _SUPABASE_HOST.fullmatch(host) is not None


def find_urls(text: str) -> tuple[list[Hit], set[str]]:
    """Hits for URLs that carry a password for a remote host or a SAS signature; and those hosts."""
    hits: list[Hit] = []
    covered: set[str] = set()
    for match in _URL.finditer(text):
        parsed = parse_url(match.group(0).rstrip(".,;)"))
        if parsed is None:
            continue
        hit = _sas_url(parsed) or _url_with_password(parsed)
        if hit is not None:
            hits.append(Hit(hit.provider, hit.kind, hit.identity, match.start()))
            covered.update(h.lower() for h in parsed.hosts)
    return hits, covered


def _url_with_password(parsed: ParsedUrl) -> Hit | None:
    password = parsed.password
    if password is None or is_benign(password) or find_tokens(password):
        return None  # a token used as a password is reported as that token
    remote = sorted(h.lower() for h in parsed.hosts if is_remote(h))
    if not remote:
        return None
    identity = f"{parsed.base_scheme}|{parsed.user}|{password}|{','.join(remote)}"
    if any(is_supabase_host(h) for h in remote):
        return Hit("supabase", "database URL with password", identity)
    if parsed.base_scheme in DATABASE_SCHEMES:
        return Hit("database", "connection URL with password", identity)
    return Hit("url", "URL with password", identity)


def _sas_url(parsed: ParsedUrl) -> Hit | None:
    signature = parsed.params.get("sig", "")
    host = parsed.hosts[0].lower() if parsed.hosts else ""
    if not signature or is_placeholder(signature) or not _STORAGE_HOST.search(host):
        return None
    return Hit("azure", "SAS URL", signature)


def find_supabase_hosts(text: str, *, covered: set[str]) -> list[Hit]:
    """Hits for Supabase cloud hosts not already part of a reported URL."""
    hits = []
    for match in _SUPABASE_HOST.finditer(text):
        host = match.group(0).lower()
        labels = host.split(".")
        ref = labels[1] if labels[0] == "db" else labels[0]
        if host in covered or is_placeholder(ref):
            continue
        if host.endswith(".pooler.supabase.com"):
            kind = "pooler host"
        elif labels[0] == "db":
            kind = "database host"
        else:
            kind = "cloud project URL"
        hits.append(Hit("supabase", kind, host, match.start()))
    return hits


def find_connection_strings(text: str) -> list[Hit]:
    """Hits for `Key=value;` connection strings: Azure storage, Cosmos, Service Bus, SQL."""
    hits = []
    for match in _SEGMENT.finditer(text):
        segment = match.group(0)
        if ";" not in segment or "=" not in segment:
            continue
        fields = _fields(segment)
        hit = _account_key(fields) or _shared_access(fields) or _sql_password(fields)
        if hit is not None:
            hits.append(Hit(hit.provider, hit.kind, hit.identity, match.start()))
    return hits


def _fields(segment: str) -> dict[str, str]:
    pairs = (part.partition("=") for part in segment.split(";"))
    return {key.strip().lower(): value.strip() for key, sep, value in pairs if sep}


def _account_key(fields: Mapping[str, str]) -> Hit | None:
    key = fields.get("accountkey", "")
    if not key or is_benign(key) or fields.get("accountname", "").lower() == "devstoreaccount1":
        return None
    endpoints = [host_of(v) for k, v in fields.items() if k.endswith("endpoint")]
    if endpoints and not any(is_remote(h) for h in endpoints):
        return None  # Azurite or the Cosmos DB emulator
    kind = "Cosmos DB account key" if "accountendpoint" in fields else "storage account key"
    return Hit("azure", kind, key)


def _shared_access(fields: Mapping[str, str]) -> Hit | None:
    if fields.get("usedevelopmentemulator", "").lower() == "true":
        return None
    endpoint = host_of(fields.get("endpoint", ""))
    key = fields.get("sharedaccesskey", "")
    if key and not is_benign(key) and (not endpoint or is_remote(endpoint)):
        return Hit("azure", "Service Bus shared access key", key)
    signature = fields.get("sharedaccesssignature", "")
    if "sig=" in signature and not is_placeholder(signature.split("sig=", 1)[1]):
        return Hit("azure", "shared access signature", signature)
    return None


def _sql_password(fields: Mapping[str, str]) -> Hit | None:
    password = fields.get("password") or fields.get("pwd") or ""
    raw_host = next((fields[k] for k in _SQL_HOST_KEYS if fields.get(k)), "")
    host = host_of(raw_host.removeprefix("tcp:").split(",")[0])
    if not password or is_benign(password) or not host or host.startswith(("(", ".")):
        return None  # `(localdb)\…`, `(local)` and `.` are SQL Server's names for this machine
    if not is_remote(host):
        return None
    user = fields.get("user id") or fields.get("uid") or fields.get("user") or ""
    identity = f"{host.lower()}|{user}|{password}"
    if host.lower().endswith(".database.windows.net"):
        return Hit("azure", "SQL connection string with password", identity)
    return Hit("database", "connection string with password", identity)
