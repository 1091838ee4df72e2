"""Upload the files that seeded rows point at, concurrently, marked as synthetic."""

from __future__ import annotations

import hashlib
import io
import logging
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
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
# How long the removal of the previous seed's objects may take, after the commit.
PRUNE_DEADLINE = 120.0
# How long a worker with nothing left to do gets to leave by itself.
CLOSE_WAIT = 5.0
# The fewest keys one delete request of the pruning carries.
PRUNE_BATCH = 100
UPLOAD_HINT = "Check the local S3 service (`devenv logs s3`), then seed again."
# What went wrong, with the hint for the user.
Failure = tuple[str, str]
# The uploads' outcome: (None or what went wrong, how many objects were already in place).
Outcome = tuple[Failure | None, int]
# Objects, as (bucket, key) pairs.
Keys = set[tuple[str, str]]


@dataclass(frozen=True)
class Upload:
    """One object to put."""

    bucket: str
    key: str
    content_type: str
    data: bytes
    metadata: dict[str, str]


class ObjectSink:
    """Puts objects from a worker process with its own threads, and prunes after the commit.

    The worker is forked before the load starts. It imports the S3 client, makes the buckets
    and puts the objects there, so that none of that HTTP work holds this process's GIL, which
    streams the rows into COPY meanwhile. It then waits to hear that the rows are committed, to
    delete what the previous seed put and this one did not. Where fork is not available the
    same work runs in threads of this process.
    """

    def __init__(
        self,
        target: S3Target,
        *,
        threads: int = 16,
        unchanged: frozenset[tuple[str, str]] = frozenset(),
    ) -> None:
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
        self.channel: Any = None
        self.outcome: Outcome | None = None

    def add(self, keys: Iterable[tuple[str, str]], uploads: Callable[[], Iterator[Upload]]) -> None:
        """Register objects to put: their (bucket, key) pairs, and how to make them."""
        for bucket, key in keys:
            self.buckets.add(bucket)
            self.keys.add((bucket, key))
            self.count += 1
        self.jobs.append(uploads)

    def start(self) -> None:
        """Start putting every registered object; they upload while the database load goes on."""
        work = (self.target, self.threads, sorted(self.buckets), self.jobs, self.unchanged)
        if not can_fork():
            self.worker = _Uploader(*work)
            return
        context = fork_context()
        self.channel, theirs = context.Pipe(duplex=True)
        self.worker = context.Process(
            target=_upload_process,
            args=(*work, theirs, self.channel),
            name="devenv-seed-s3",
            daemon=True,
        )
        self.worker.start()
        theirs.close()

    def check(self) -> None:
        """Raise now if the uploads have already failed (the load need not go on)."""
        if isinstance(self.worker, _Uploader) or self.worker is None or self.outcome is not None:
            return
        if self.channel.poll(0):
            self.outcome = self._receive()
            self._raise_failure()

    def wait(self, timeout: float = UPLOAD_DEADLINE) -> int:
        """Wait for every upload; return how many objects the seed points at (put or in place)."""
        if isinstance(self.worker, _Uploader):
            self.outcome = self.worker.wait()
        elif self.outcome is None:
            ready = self.channel.poll(timeout)
            self.outcome = self._receive() if ready else (_no_answer(timeout, "uploads"), 0)
        self._raise_failure()
        return self.count

    def prune(self, previous: Keys, timeout: float = PRUNE_DEADLINE) -> Keys:
        """After the commit: delete objects earlier seeds put that this seed does not use.

        Return those that went. Pruning is best effort: the seed is committed by then.
        """
        stale = previous - self.keys
        if not stale:
            return set()
        if isinstance(self.worker, _Uploader):
            return prune_objects(self.worker.s3, stale, self.threads)
        try:
            self.channel.send(stale)
            if not self.channel.poll(timeout):
                log.warning("%s", _no_answer(timeout, "the removal of old seed objects")[0])
                return set()
            removed = self.channel.recv()
        except (EOFError, OSError):  # the upload process is gone
            removed = None
        if not isinstance(removed, set):
            log.warning("the upload process ended before removing the old seed objects")
            return set()
        return removed

    def _receive(self) -> Outcome:
        """Read the upload process's outcome: (None or what went wrong, objects skipped)."""
        try:
            return self.channel.recv()  # type: ignore[no-any-return]
        except EOFError:
            self.worker.join(timeout=5)  # its pipe closes just before its exit status is set
            failure = f"the upload process ended with exit code {self.worker.exitcode}"
            return (failure, UPLOAD_HINT), 0

    def _raise_failure(self) -> None:
        assert self.outcome is not None
        failure, self.skipped = self.outcome
        if failure is not None:
            message, hint = failure
            raise SeedError(message, hint=hint)

    def close(self) -> None:
        """End the worker, by its pid when it does not leave by itself.

        A worker done with its uploads leaves when its channel closes. One still uploading
        (an error or Ctrl-C ended the seed early) is stopped at once.
        """
        if isinstance(self.worker, _Uploader):
            self.worker.close()
        elif self.worker is not None:
            self.channel.close()
            if self.outcome is not None:
                self.worker.join(timeout=CLOSE_WAIT)
            if self.worker.is_alive():
                self.worker.terminate()
            self.worker.join(timeout=10)
        self.worker = None


def _no_answer(timeout: float, what: str) -> Failure:
    return f"no answer from the upload process within {timeout:.0f} s ({what})", UPLOAD_HINT


def prune_objects(s3: Any, stale: Keys, threads: int) -> Keys:
    """Delete the given objects in batches of parallel requests; return those that went."""
    batches: list[tuple[str, list[str]]] = []
    for bucket, names in _by_bucket(sorted(stale)).items():
        size = max(PRUNE_BATCH, -(-len(names) // threads))
        batches += [(bucket, names[i : i + size]) for i in range(0, len(names), size)]
    if not batches:
        return set()
    with ThreadPoolExecutor(max_workers=min(threads, len(batches))) as pool:
        return set().union(*pool.map(partial(_remove, s3), batches))


def _remove(s3: Any, batch: tuple[str, list[str]]) -> Keys:
    """Delete one batch of keys from a bucket; return those that went."""
    from minio.deleteobjects import DeleteObject

    bucket, names = batch
    try:
        errors = list(s3.remove_objects(bucket, [DeleteObject(k) for k in names]))
    except Exception as exc:  # the seed is committed; pruning is best effort
        log.warning("could not remove old seed objects from %s: %s", bucket, exc)
        return set()
    failed = {error.name for error in errors}
    return {(bucket, name) for name in names if name not in failed}


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


class _Uploader:
    """Makes the buckets and puts the objects from a thread pool, skipping objects in place."""

    def __init__(
        self,
        target: S3Target,
        threads: int,
        buckets: list[str],
        jobs: list[Callable[[], Iterator[Upload]]],
        unchanged: frozenset[tuple[str, str]],
    ) -> None:
        self.s3 = client(target, connections=threads)
        self.endpoint = target.endpoint
        self.skipped = 0
        self.failure: Failure | None = None
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="devenv-seed-s3")
        self.futures = []
        for bucket in buckets:
            try:
                if not self.s3.bucket_exists(bucket):
                    self.s3.make_bucket(bucket)
            except Exception as exc:  # minio raises several unrelated types
                self.failure = (
                    f"cannot reach bucket {bucket} on {target.endpoint}: {exc}",
                    "Check that the local S3 service is up: `devenv status`.",
                )
                return
        etags = _etags(self.s3, unchanged)
        for job in jobs:
            for upload in job():
                etag = etags.get((upload.bucket, upload.key))
                if etag is not None and etag == hashlib.md5(upload.data).hexdigest():  # noqa: S324
                    self.skipped += 1
                else:
                    self.futures.append(self.pool.submit(put, self.s3, upload))

    def wait(self) -> Outcome:
        """Wait for every upload; return (None or the first failure, objects skipped)."""
        if self.failure is None:
            for future in self.futures:
                exc = future.exception()
                if exc is not None:
                    message = f"uploading a seed object to {self.endpoint} failed: {exc}"
                    self.failure = message, UPLOAD_HINT
                    break
        return self.failure, self.skipped

    def close(self) -> None:
        """Stop the thread pool (queued uploads are cancelled)."""
        self.pool.shutdown(wait=True, cancel_futures=True)


def _etags(s3: Any, wanted: frozenset[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Return the ETag (MD5 of a plainly put object) of each wanted object that exists.

    One listing per bucket, under the keys' common prefix; a listing that fails finds nothing,
    so every object is put again.
    """
    found: dict[tuple[str, str], str] = {}
    for bucket, keys in _by_bucket(wanted).items():
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


def _by_bucket(objects: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Group (bucket, key) pairs by bucket, keeping their order."""
    grouped: dict[str, list[str]] = {}
    for bucket, key in objects:
        grouped.setdefault(bucket, []).append(key)
    return grouped


def _upload_process(
    target: S3Target,
    threads: int,
    buckets: list[str],
    jobs: list[Callable[[], Iterator[Upload]]],
    unchanged: frozenset[tuple[str, str]],
    channel: Any,
    parents: Any,
) -> None:
    """Worker process: put every object and send the outcome; then prune when asked.

    After the outcome it waits for the set of stale objects, sent once the rows are committed,
    and answers with those it removed. A closed channel means there is nothing to prune.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; it stops this process
    parents.close()  # inherited at fork: only the parent's own copy may keep the channel open
    uploader = None
    try:
        uploader = _Uploader(target, threads, buckets, jobs, unchanged)
        channel.send(uploader.wait())
        if uploader.failure is None:
            channel.send(prune_objects(uploader.s3, channel.recv(), threads))
    except EOFError:
        return
    except Exception as exc:  # reported to the parent, which raises the SeedError
        channel.send(((str(exc), UPLOAD_HINT), 0))
    finally:
        if uploader is not None:
            uploader.close()
