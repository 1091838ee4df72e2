"""Host locality: which addresses are this machine (or its containers) and which are not."""

from __future__ import annotations

import ipaddress
import re
import socket

from devenv.errors import UnsafeTarget
from devenv.guard.addresses import host_of, parse_url

# Names Docker Desktop, Podman and their Kubernetes give to the host machine.
_HOST_ALIASES = frozenset(
    {
        "localhost",
        "localhost.localdomain",
        "host.docker.internal",
        "gateway.docker.internal",
        "kubernetes.docker.internal",
        "host.containers.internal",
    }
)
# A compose service name: one DNS label, no dot (`db`, `supabase-db`, `minio_1`).
_SINGLE_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?")
# Shapes inet_aton accepts (`127.1`, `0x7f.0.0.1`, `2130706433`): resolvers treat them as IPs.
_NUMERIC_V4 = re.compile(r"(?:0x[0-9a-f]+|[0-9]+)(?:\.(?:0x[0-9a-f]+|[0-9]+)){0,3}")
# Names reserved for documentation and testing (RFC 2606, 6761): never a real service.
_RESERVED_SUFFIXES = (".example", ".test", ".invalid")
_RESERVED_DOMAINS = ("example.com", "example.org", "example.net")


def is_local_host(host: str) -> bool:
    """Tell loopback, 0.0.0.0, *.localhost, Docker host aliases and compose service names."""
    name = _normalise(host)
    if name == "" or name.startswith("/"):
        return True  # no host means the driver's default: a local socket
    if name in _HOST_ALIASES or name.endswith(".localhost"):
        return True
    address = _as_ip(name)
    if address is not None:
        return address.is_loopback or address.is_unspecified
    return _SINGLE_LABEL.fullmatch(name) is not None


def is_reserved_host(host: str) -> bool:
    """Recognise documentation names (example.com, *.test, *.invalid) no real service uses."""
    name = _normalise(host)
    if name.endswith(_RESERVED_SUFFIXES):
        return True
    return any(name == d or name.endswith("." + d) for d in _RESERVED_DOMAINS)


def require_local(url_or_host: str, *, what: str) -> None:
    """Raise UnsafeTarget unless every host in a URL (or a bare host) is local."""
    for host in target_hosts(url_or_host):
        if not is_local_host(host):
            raise UnsafeTarget(
                "devenv only migrates, seeds, resets or empties the local stack; "
                f"{what} points at {host}",
                hint=f"Point {what} at the local stack (127.0.0.1, as `devenv env` writes it) "
                "and run the command again.",
            )


def target_hosts(url_or_host: str) -> tuple[str, ...]:
    """List the hosts a URL or `host[:port]` string names (empty for a socket default)."""
    text = url_or_host.strip()
    if "://" in text:
        parsed = parse_url(text)
        return parsed.hosts if parsed is not None else (text,)
    if "@" in text or "/" in text.lstrip("/"):
        parsed = parse_url("x://" + text)
        return parsed.hosts if parsed is not None else (text,)
    return (host_of(text),)


def _normalise(host: str) -> str:
    name = host_of(host).strip().lower()
    if name.endswith(".") and not name.endswith(".."):
        name = name[:-1]
    return name


def _as_ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        if not _NUMERIC_V4.fullmatch(name):
            return None
        try:
            return ipaddress.IPv4Address(socket.inet_aton(name))
        except OSError:
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
