"""Every subprocess goes through here: argv lists, never a shell, always a timeout."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import stat
import subprocess
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from devenv.errors import CommandFailed, ToolMissing

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunAs:
    """An unprivileged OS user to run a program as (devenv itself may run as root)."""

    name: str
    uid: int
    gid: int


def run(
    argv: Sequence[str],
    *,
    timeout: float,
    env: Mapping[str, str] | None = None,
    user: RunAs | None = None,
    input_text: str | None = None,
    cwd: Path | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run a program to completion; raise CommandFailed on a non-zero exit or a timeout."""
    log.debug("run %s", argv)
    try:
        result = subprocess.run(
            list(argv),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=dict(env) if env is not None else None,
            input=input_text,
            cwd=cwd,
            user=user.uid if user else None,
            group=user.gid if user else None,
            extra_groups=[] if user else None,
        )
    except FileNotFoundError as exc:
        raise ToolMissing(
            f"{argv[0]} is not installed or not on PATH",
            hint="Run `devenv doctor` to see which tools are missing.",
        ) from exc
    except subprocess.TimeoutExpired as exc:
        tail = _tail_text(exc.stderr)
        raise CommandFailed.of(argv, f"did not finish within {timeout:g} s", tail) from exc
    if check and result.returncode != 0:
        raise CommandFailed.of(
            argv, f"exited with code {result.returncode}", _tail_text(result.stderr)
        )
    return result


def spawn(
    argv: Sequence[str],
    *,
    log_path: Path,
    env: Mapping[str, str] | None = None,
    user: RunAs | None = None,
    cwd: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Start a long-running server detached from the terminal, its output appended to log_path."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as out:
        try:
            return subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=dict(env) if env is not None else None,
                cwd=cwd,
                start_new_session=True,  # Ctrl-C in the terminal must not reach the servers
                user=user.uid if user else None,
                group=user.gid if user else None,
                extra_groups=[] if user else None,
            )
        except FileNotFoundError as exc:
            raise ToolMissing(
                f"{argv[0]} is not installed", hint="Run `devenv doctor` to see what is missing."
            ) from exc


def _tail_text(data: str | bytes | None, lines: int = 15) -> str:
    """The last lines of captured output."""
    if not data:
        return ""
    text = data.decode(errors="replace") if isinstance(data, bytes) else data
    return "\n".join(text.rstrip().splitlines()[-lines:])


def start_time(pid: int) -> int | None:
    """The kernel's start time of a process (to tell a reused pid apart), or None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] == "Z" and not _threads_left(pid):
        return None  # exited; only the exit status is left to collect
    # (a zombie thread-group leader whose other threads still run is still shutting down)
    return int(fields[19])


def _threads_left(pid: int) -> bool:
    """True if threads of the process other than its (exited) leader still run."""
    try:
        return len(os.listdir(f"/proc/{pid}/task")) > 1
    except OSError:
        return False


def is_running(pid: int, expected_start: int) -> bool:
    """True if pid is alive and is the same process that was recorded."""
    _reap(pid)
    alive = start_time(pid) == expected_start
    if not alive:
        _reap(pid)  # it may have become a zombie between the two calls above
    return alive


def _reap(pid: int) -> None:
    """Collect the exit status of our own child, so it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def stop(records: Sequence[tuple[int, int, int]], *, timeout: float = 15.0) -> list[int]:
    """Signal recorded (pid, start time, signal) processes together and wait for them.

    Those still alive at the deadline get SIGKILL. Returns the pids that were running.
    """
    alive = [(pid, st, sig) for pid, st, sig in records if is_running(pid, st)]
    for pid, _, sig in alive:
        os.kill(pid, sig)
    deadline = time.monotonic() + timeout
    for pid, st, _ in alive:
        if not wait_exit(pid, st, timeout=max(0.0, deadline - time.monotonic())):
            log.warning("pid %s did not exit within %s s; killing it", pid, timeout)
            os.kill(pid, signal.SIGKILL)
            wait_exit(pid, st, timeout=5.0)
    return [pid for pid, _, _ in alive]


def remove_stale_sockets(paths: Iterable[str]) -> list[str]:
    """Delete the Unix sockets among `paths` that nothing listens on; return the ones deleted.

    A path that is not a socket, or that still accepts a connection (another program listens
    there now), is left alone.
    """
    removed = []
    for path in paths:
        try:
            if not stat.S_ISSOCK(os.lstat(path).st_mode):
                continue
        except OSError:
            continue
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(1.0)
            try:
                probe.connect(path)
                continue  # in use
            except ConnectionRefusedError:
                pass  # nobody listens: stale
            except OSError:
                continue  # cannot tell (no permission, a full backlog): keep it
        try:
            os.unlink(path)
        except OSError:  # gone meanwhile, or not ours to delete (sticky /tmp)
            continue
        removed.append(path)
    return removed


def wait_exit(pid: int, expected_start: int, *, timeout: float) -> bool:
    """Wait until the process exits; False if it is still alive at the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_running(pid, expected_start):
            return True
        time.sleep(0.05)
    return not is_running(pid, expected_start)


def tail_file(path: Path, lines: int = 20) -> str:
    """The last lines of a log file, or '' if there is none."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 64 * 1024))
            return _tail_text(handle.read(), lines)
    except OSError:
        return ""
