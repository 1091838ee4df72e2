"""Buckets on the local S3 store: create them, empty them, count what they hold."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from devenv.errors import ServiceNotReady

# The MinIO client's own defaults: how long one request may take, which answers are retried.
REQUEST_TIMEOUT = 300.0
RETRIED = (500, 502, 503, 504)


@dataclass(frozen=True)
class S3Access:
    """How to reach the local store (endpoint is host:port, no scheme)."""

    endpoint: str
    access_key: str
    secret_key: str
    region: str
    secure: bool = False


def client(access: S3Access, *, connections: int | None = None) -> Any:
    """A MinIO client for the local endpoint (plain HTTP on loopback).

    `connections` keeps that many connections open for as many threads; the default pool
    keeps 10, and each request of a thread beyond them would open and close a connection.
    """
    from minio import Minio

    http = None
    if connections is not None:
        import urllib3

        http = urllib3.PoolManager(
            maxsize=connections,
            timeout=urllib3.Timeout(connect=REQUEST_TIMEOUT, read=REQUEST_TIMEOUT),
            retries=urllib3.Retry(total=5, backoff_factor=0.2, status_forcelist=RETRIED),
        )
    return Minio(
        access.endpoint,
        access_key=access.access_key,
        secret_key=access.secret_key,
        region=access.region,
        secure=access.secure,
        http_client=http,
    )


def ensure_buckets(access: S3Access, names: Iterable[str]) -> list[str]:
    """Create the buckets that do not exist; return the ones created."""
    from minio.error import MinioException

    s3 = client(access)
    created = []
    try:
        for name in names:
            if not s3.bucket_exists(name):
                s3.make_bucket(name)
                created.append(name)
    except (MinioException, OSError) as exc:
        raise _unreachable(access, exc) from exc
    return created


def empty_buckets(access: S3Access, names: Iterable[str]) -> int:
    """Delete every object in the buckets; return how many were deleted."""
    from minio.deleteobjects import DeleteObject
    from minio.error import MinioException

    s3 = client(access)
    count = 0
    try:
        for name in names:
            if not s3.bucket_exists(name):
                continue
            keys = [DeleteObject(o.object_name) for o in s3.list_objects(name, recursive=True)]
            for error in s3.remove_objects(name, keys):
                raise ServiceNotReady(f"could not delete {error.name} from {name}: {error.message}")
            count += len(keys)
    except (MinioException, OSError) as exc:
        raise _unreachable(access, exc) from exc
    return count


def _unreachable(access: S3Access, exc: Exception) -> ServiceNotReady:
    """The store refused or did not answer."""
    return ServiceNotReady(
        f"the local S3 store at {access.endpoint} failed: {exc}",
        hint="Run `devenv status`, then `devenv logs s3`.",
    )
