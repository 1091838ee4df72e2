from __future__ import annotations

import os
import pwd
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path

import pytest

from devenv.errors import CommandFailed, ToolMissing
from devenv.procs import (
    is_running,
    remove_stale_sockets,
    run,
    spawn,
    start_time,
    stop,
    tail_file,
)


def test_run_returns_output() -> None:
    assert run([sys.executable, "-c", "print('hi')"], timeout=10).stdout == "hi\n"


def test_run_failure_carries_command_and_stderr_tail() -> None:
    with pytest.raises(CommandFailed) as info:
        run(
            [sys.executable, "-c", "import sys; sys.stderr.write('boom\\n'); sys.exit(3)"],
            timeout=10,
        )
    assert "exited with code 3" in str(info.value)
    assert "boom" in str(info.value)


def test_run_timeout() -> None:
    started = time.monotonic()
    with pytest.raises(CommandFailed, match=r"did not finish within 0\.5 s"):
        run([sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.5)
    assert time.monotonic() - started < 5


def test_missing_program() -> None:
    with pytest.raises(ToolMissing, match="no-such-program-x is not installed"):
        run(["no-such-program-x"], timeout=5)


def test_spawn_logs_and_stop_by_pid(tmp_path: Path) -> None:
    log = tmp_path / "srv.log"
    code = "import time,sys; print('ready', flush=True); time.sleep(60)"
    proc = spawn([sys.executable, "-c", code], log_path=log)
    started = start_time(proc.pid)
    assert started is not None
    deadline = time.monotonic() + 10
    while "ready" not in tail_file(log) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "ready" in tail_file(log)
    assert is_running(proc.pid, started)
    assert stop([(proc.pid, started, 15)], timeout=5) == [proc.pid]
    assert not is_running(proc.pid, started)


def test_stop_kills_a_process_that_ignores_the_signal(tmp_path: Path) -> None:
    code = "import signal,time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('x', flush=True); time.sleep(60)"
    proc = spawn([sys.executable, "-c", code], log_path=tmp_path / "l.log")
    started = start_time(proc.pid)
    assert started is not None
    time.sleep(0.3)
    began = time.monotonic()
    stop([(proc.pid, started, 15)], timeout=0.5)
    assert not is_running(proc.pid, started)
    assert time.monotonic() - began < 5


def test_a_reused_pid_is_not_ours() -> None:
    import os

    me = start_time(os.getpid())
    assert me is not None
    assert is_running(os.getpid(), me)
    assert not is_running(os.getpid(), me + 1)


def test_only_sockets_nothing_listens_on_are_removed(tmp_path: Path) -> None:
    stale, live, plain = tmp_path / "stale.sock", tmp_path / "live.sock", tmp_path / "plain.sock"
    with socket.socket(socket.AF_UNIX) as gone:
        gone.bind(str(stale))  # bound and closed: the file stays, nobody listens
    plain.write_text("not a socket")
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(live))
        listener.listen()
        paths = [str(stale), str(live), str(plain), str(tmp_path / "missing.sock")]
        assert remove_stale_sockets(paths) == [str(stale)]
        assert not stale.exists()
        assert live.exists()
        assert plain.read_text() == "not a socket"


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as another user")
def test_a_stale_socket_of_another_user_is_kept_without_an_error() -> None:
    # Outside pytest's private tmp_path, which another user cannot reach.
    shared = Path(tempfile.mkdtemp(dir="/tmp", prefix="devenv-test-"))
    try:
        shared.chmod(0o1777)  # like /tmp: only a file's owner may delete it
        stale = shared / "stale.sock"
        with socket.socket(socket.AF_UNIX) as gone:
            gone.bind(str(stale))
        stale.chmod(0o777)  # anyone may connect (and be refused): it looks stale to everyone
        os.seteuid(pwd.getpwnam("nobody").pw_uid)
        try:
            removed = remove_stale_sockets([str(stale)])
        finally:
            os.seteuid(0)
        assert removed == []
        assert stale.exists()
    finally:
        shutil.rmtree(shared)
