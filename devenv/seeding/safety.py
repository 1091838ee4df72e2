"""Refuse to seed anything but a database and object store on this machine."""

from __future__ import annotations

import ipaddress
import os

import psycopg.conninfo

from devenv.errors import UnsafeTarget

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    """Return True for loopback addresses, `localhost` and Unix socket directories."""
    host = host.strip().strip("[]")
    if not host or host.startswith(("/", "@")) or host.lower() in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_database(conninfo: str) -> None:
    """Raise UnsafeTarget unless every host in the connection string is local."""
    try:
        params = psycopg.conninfo.conninfo_to_dict(conninfo)
    except psycopg.ProgrammingError as exc:
        raise UnsafeTarget(
            f"cannot read the connection string: {exc}",
            hint="Pass a libpq URL or key=value string.",
        ) from exc
    hosts = [str(params.get("host") or os.environ.get("PGHOST", ""))]
    hosts += [str(params.get("hostaddr") or os.environ.get("PGHOSTADDR", ""))]
    for host in ",".join(hosts).split(","):
        if not is_loopback(host):
            raise UnsafeTarget(
                f"refusing to seed {host}: devenv seeds only databases on this machine (loopback)",
                hint="Point devenv at the local stack (127.0.0.1); seeding replaces all data.",
            )


def check_endpoint(endpoint: str) -> None:
    """Raise UnsafeTarget unless an S3 endpoint (`host:port`) is local."""
    host = (
        endpoint.split("://")[-1].rsplit(":", 1)[0]
        if ":" in endpoint.split("://")[-1]
        else endpoint.split("://")[-1]
    )
    if not is_loopback(host.split("/")[0]):
        raise UnsafeTarget(
            f"refusing to upload seed objects to {endpoint}: only local object stores are seeded",
            hint="Point devenv at the local S3 service (127.0.0.1).",
        )
