"""Share one private engine between concurrent test sessions; the last one out stops it.

Two pytest runs on one machine (two engineers, or a run started while another
is going) reach the same dockerd through its socket. Each holds a lease, a
file named after its pid, while it runs; ending a session stops the engine only
when no other live session holds a lease. A lock file serialises start and stop.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from tests.docker_support.engine import Engine, EngineConfig, is_alive, start_engine, stop_engine

log = logging.getLogger(__name__)


@contextlib.contextmanager
def _locked(config: EngineConfig) -> Iterator[Path]:
    leases = config.run_dir / "leases"
    leases.mkdir(parents=True, exist_ok=True)
    with (config.run_dir / "leases.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield leases
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def other_sessions(leases: Path) -> list[int]:
    """Pids of live sessions holding a lease, other than this process; drops stale ones."""
    live = []
    for lease in leases.iterdir():
        pid = int(lease.name) if lease.name.isdigit() else None
        if pid is None or not is_alive(pid):
            lease.unlink(missing_ok=True)
        elif pid != os.getpid():
            live.append(pid)
    return live


@contextlib.contextmanager
def engine_session(config: EngineConfig, *, keep: bool = False) -> Iterator[Engine]:
    """Start or join the engine; at exit stop it unless kept or still leased."""
    with _locked(config) as leases:
        engine = start_engine(config)
        lease = leases / str(os.getpid())
        lease.touch()
    try:
        yield engine
    finally:
        with _locked(config) as leases:
            lease.unlink(missing_ok=True)
            others = other_sessions(leases)
            if keep:
                log.info("keeping dockerd pid %d running (DEVENV_DOCKER_KEEP=1)", engine.pid)
            elif others:
                log.info("dockerd pid %d still used by sessions %s", engine.pid, others)
            else:
                stop_engine(engine)
