"""Upload the files that seeded rows point at, concurrently, marked as synthetic."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from devenv.errors import SeedError
from devenv.objectstore import S3Access, client

log = logging.getLogger(__name__)


# Where seed objects go: a local S3-compatible endpoint such as `127.0.0.1:54330`.
S3Target = S3Access


@dataclass(frozen=True)
class Upload:
    """One object to put."""

    bucket: str
    key: str
    content_type: str
    data: bytes
    metadata: dict[str, str]


class ObjectSink:
    """Puts objects from a thread pool; `wait` re-raises the first failure as SeedError."""

    def __init__(self, target: S3Target, *, threads: int = 16) -> None:
        self.client: Any = client(target)
        self.endpoint = target.endpoint
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="devenv-seed-s3")
        self.futures: list[Future[None]] = []
        self.buckets: set[str] = set()
        self.keys: set[tuple[str, str]] = set()
        self.count = 0

    def ensure_bucket(self, bucket: str) -> None:
        """Create the bucket if it does not exist yet."""
        if bucket in self.buckets:
            return
        try:
            if not self.client.bucket_exists(bucket):
                self.client.make_bucket(bucket)
        except Exception as exc:  # minio raises several unrelated types
            raise SeedError(
                f"cannot reach bucket {bucket} on {self.endpoint}: {exc}",
                hint="Check that the local S3 service is up: `devenv status`.",
            ) from exc
        self.buckets.add(bucket)

    def submit(self, uploads: Iterator[Upload]) -> None:
        """Queue uploads; they run while the database load goes on."""
        for upload in uploads:
            self.ensure_bucket(upload.bucket)
            self.futures.append(self.pool.submit(self._put, upload))
            self.keys.add((upload.bucket, upload.key))
            self.count += 1

    def _put(self, upload: Upload) -> None:
        self.client.put_object(
            upload.bucket,
            upload.key,
            io.BytesIO(upload.data),
            len(upload.data),
            content_type=upload.content_type,
            metadata=upload.metadata,
        )

    def wait(self) -> int:
        """Wait for every upload; return how many objects were put."""
        try:
            for future in self.futures:
                exc = future.exception()
                if exc is not None:
                    raise SeedError(
                        f"uploading a seed object to {self.endpoint} failed: {exc}",
                        hint="Check the local S3 service (`devenv logs s3`), then seed again.",
                    ) from exc
        finally:
            self.close()
        return self.count

    def close(self) -> None:
        """Stop the thread pool (queued uploads are cancelled)."""
        self.pool.shutdown(wait=True, cancel_futures=True)

    def prune(self, previous: set[tuple[str, str]]) -> int:
        """Delete objects a previous seed put that this seed did not; return how many."""
        from minio.deleteobjects import DeleteObject

        stale: dict[str, list[str]] = {}
        for bucket, key in sorted(previous - self.keys):
            stale.setdefault(bucket, []).append(key)
        removed = 0
        for bucket, names in stale.items():
            try:
                errors = list(self.client.remove_objects(bucket, [DeleteObject(k) for k in names]))
            except Exception as exc:  # the seed is committed; pruning is best effort
                log.warning("could not remove old seed objects from %s: %s", bucket, exc)
                continue
            removed += len(names) - len(errors)
        return removed
