"""Upload the files that seeded rows point at, concurrently, marked as synthetic."""

from __future__ import annotations

import hashlib
import io
import logging
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from os.path import commonprefix
from typing import Any

from devenv.errors import SeedError
from devenv.objectstore import S3Access, client
from devenv.seeding.stream import can_fork, fork_context

log = logging.getLogger(__name__)


# Where seed objects go: a local S3-compatible endpoint such as `127.0.0.1:54330`.
S3Target = S3Access
# How long the uploads may still take once the rows are loaded.
UPLOAD_DEADLINE = 300.0
# The fewest keys one delete request of the pruning carries.
PRUNE_BATCH = 100


@dataclass(frozen=True)
class Upload:
    """One object to put."""

    bucket: str
    key: str
    content_type: str
    data: bytes
    metadata: dict[str, str]


class ObjectSink:
    """Puts objects from a worker process with its own threads; `wait` re-raises a failure.

    The uploads run in a forked process so that their HTTP work never holds this process's GIL,
    which streams the rows into COPY meanwhile. Where fork is not available they run in threads.
    """

    def __init__(
        self,
        target: S3Target,
        *,
        threads: int = 16,
        unchanged: frozenset[tuple[str, str]] = frozenset(),
    ) -> None:
        self.client: Any = client(target)
        self.target = target
        self.endpoint = target.endpoint
        self.threads = threads
        # Objects the previous seed put with the same metadata: skipped if their content matches.
        self.unchanged = unchanged
        self.jobs: list[Callable[[], Iterator[Upload]]] = []
        self.buckets: set[str] = set()
        self.keys: set[tuple[str, str]] = set()
        self.count = 0
        self.skipped = 0
        self.worker: Any = None
        self.results: Any = None

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

    def add(self, keys: Iterable[tuple[str, str]], uploads: Callable[[], Iterator[Upload]]) -> None:
        """Register objects to put: their (bucket, key) pairs, and how to make them."""
        for bucket, key in keys:
            self.ensure_bucket(bucket)
            self.keys.add((bucket, key))
            self.count += 1
        self.jobs.append(uploads)

    def start(self) -> None:
        """Start putting every registered object; they upload while the database load goes on."""
        if not can_fork():
            self.worker = _Threads(self.target, self.threads, self.jobs, self.unchanged)
            return
        context = fork_context()
        self.results, sender = context.Pipe(duplex=False)
        self.worker = context.Process(
            target=_upload_process,
            args=(self.target, self.threads, self.jobs, self.unchanged, sender),
            name="devenv-seed-s3",
            daemon=True,
        )
        self.worker.start()
        sender.close()

    def wait(self, timeout: float = UPLOAD_DEADLINE) -> int:
        """Wait for every upload; return how many objects the seed points at (put or in place)."""
        try:
            failure: str | None = None
            if isinstance(self.worker, _Threads):
                failure, self.skipped = self.worker.wait(), self.worker.skipped
            elif self.worker is not None:
                failure = self._result(timeout)
            if failure is not None:
                raise SeedError(
                    f"uploading a seed object to {self.endpoint} failed: {failure}",
                    hint="Check the local S3 service (`devenv logs s3`), then seed again.",
                )
        finally:
            self.close()
        return self.count

    def _result(self, timeout: float) -> str | None:
        """Read the upload process's outcome: None, or what went wrong."""
        if not self.results.poll(timeout):
            return f"no answer within {timeout:.0f} s"
        try:
            failure, self.skipped = self.results.recv()
        except EOFError:
            self.worker.join(timeout=5)  # its pipe closes just before its exit status is set
            return f"the upload process ended with exit code {self.worker.exitcode}"
        return failure  # type: ignore[no-any-return]

    def close(self) -> None:
        """Stop the uploads that are still running (by the worker's pid) and free the pipe."""
        if isinstance(self.worker, _Threads):
            self.worker.close()
        elif self.worker is not None:
            if self.worker.is_alive():
                self.worker.terminate()
            self.worker.join(timeout=10)
            self.results.close()
        self.worker = None

    def prune(self, previous: set[tuple[str, str]]) -> int:
        """Delete objects a previous seed put that this seed did not; return how many.

        Batches of keys are deleted in parallel requests (the store handles them concurrently).
        """
        batches: list[tuple[str, list[str]]] = []
        stale: dict[str, list[str]] = {}
        for bucket, key in sorted(previous - self.keys):
            stale.setdefault(bucket, []).append(key)
        for bucket, names in stale.items():
            size = max(PRUNE_BATCH, -(-len(names) // self.threads))
            batches += [(bucket, names[i : i + size]) for i in range(0, len(names), size)]
        if not batches:
            return 0
        with ThreadPoolExecutor(max_workers=min(self.threads, len(batches))) as pool:
            return sum(pool.map(self._remove, batches))

    def _remove(self, batch: tuple[str, list[str]]) -> int:
        """Delete one batch of keys from a bucket; return how many went."""
        from minio.deleteobjects import DeleteObject

        bucket, names = batch
        try:
            errors = list(self.client.remove_objects(bucket, [DeleteObject(k) for k in names]))
        except Exception as exc:  # the seed is committed; pruning is best effort
            log.warning("could not remove old seed objects from %s: %s", bucket, exc)
            return 0
        return len(names) - len(errors)


def put(s3: Any, upload: Upload) -> None:
    """Put one object."""
    s3.put_object(
        upload.bucket,
        upload.key,
        io.BytesIO(upload.data),
        len(upload.data),
        content_type=upload.content_type,
        metadata=upload.metadata,
    )


class _Threads:
    """Uploads from a thread pool of this process, skipping objects already in place."""

    def __init__(
        self,
        target: S3Target,
        threads: int,
        jobs: list[Callable[[], Iterator[Upload]]],
        unchanged: frozenset[tuple[str, str]],
    ) -> None:
        s3 = client(target)
        etags = _etags(s3, unchanged)
        self.skipped = 0
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="devenv-seed-s3")
        self.futures = []
        for job in jobs:
            for upload in job():
                etag = etags.get((upload.bucket, upload.key))
                if etag is not None and etag == hashlib.md5(upload.data).hexdigest():  # noqa: S324
                    self.skipped += 1
                else:
                    self.futures.append(self.pool.submit(put, s3, upload))

    def wait(self) -> str | None:
        """Wait for every upload; return the first failure, if any."""
        for future in self.futures:
            exc = future.exception()
            if exc is not None:
                return str(exc)
        return None

    def close(self) -> None:
        """Stop the thread pool (queued uploads are cancelled)."""
        self.pool.shutdown(wait=True, cancel_futures=True)


def _etags(s3: Any, wanted: frozenset[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Return the ETag (MD5 of a plainly put object) of each wanted object that exists.

    One listing per bucket, under the keys' common prefix; a listing that fails finds nothing,
    so every object is put again.
    """
    found: dict[tuple[str, str], str] = {}
    by_bucket: dict[str, list[str]] = {}
    for bucket, key in wanted:
        by_bucket.setdefault(bucket, []).append(key)
    for bucket, keys in by_bucket.items():
        names = set(keys)
        try:
            # S3 prefixes are plain string prefixes, not path components.
            prefix = commonprefix(keys)  # noqa: RUF071
            for obj in s3.list_objects(bucket, prefix=prefix, recursive=True):
                if obj.object_name in names and obj.etag:
                    found[(bucket, obj.object_name)] = obj.etag.strip('"')
        except Exception as exc:  # minio raises several unrelated types
            log.info("listing %s failed, so its seed objects are put again: %s", bucket, exc)
    return found


def _upload_process(
    target: S3Target,
    threads: int,
    jobs: list[Callable[[], Iterator[Upload]]],
    unchanged: frozenset[tuple[str, str]],
    results: Any,
) -> None:
    """Worker process: put every object, then send (None or the first failure, skipped)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; it stops this process
    try:
        uploads = _Threads(target, threads, jobs, unchanged)
    except Exception as exc:  # reported to the parent, which raises the SeedError
        results.send((str(exc), 0))
        return
    try:
        results.send((uploads.wait(), uploads.skipped))
    finally:
        uploads.close()
