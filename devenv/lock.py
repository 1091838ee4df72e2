"""One devenv command at a time per project: an advisory file lock with a deadline."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from devenv.errors import Busy
from devenv.state import ensure_state_dir

LOCK_FILE = "lock"


@contextmanager
def project_lock(
    state_dir: Path, *, timeout: float, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the project's lock for the duration of the block."""
    ensure_state_dir(state_dir)
    path = state_dir / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _acquire(fd, path, timeout=timeout, on_wait=on_wait)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _acquire(fd: int, path: Path, *, timeout: float, on_wait: Callable[[str], None] | None) -> None:
    """Take the lock, waiting up to `timeout` seconds for another command to finish."""
    deadline = time.monotonic() + timeout
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            holder = path.read_text(encoding="utf-8").strip() or "unknown"
        if not told and on_wait is not None:
            on_wait(
                f"Another devenv command (pid {holder}) is running on this project; "
                f"waiting up to {timeout:g} s."
            )
            told = True
        if time.monotonic() >= deadline:
            raise Busy(
                f"another devenv command (pid {holder}) held {path} for more than {timeout:g} s",
                hint="Wait for it to finish, or raise the wait with `--wait SECONDS`.",
            )
        time.sleep(0.1)
