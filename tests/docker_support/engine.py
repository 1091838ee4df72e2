"""A private Docker engine for tests: start it, reuse it, stop it by pid.

The engine is a root `dockerd` with its own data root, exec root, pid file and
unix socket, so it never touches a system Docker on the same machine:

    config = EngineConfig()
    engine = start_engine(config)      # reuses a running one for that socket
    os.environ["DOCKER_HOST"] = engine.docker_host
    ...
    stop_engine(engine)                # SIGTERM by pid, then SIGKILL

Images live in `data_root` (default /var/lib/devenv-test-docker) and survive
between runs. Run `python -m tests.docker_support.engine start|stop|status`
to drive it by hand.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import docker
import requests

log = logging.getLogger(__name__)

DEFAULT_DATA_ROOT = Path("/var/lib/devenv-test-docker")
DEFAULT_RUN_DIR = Path("/run/devenv-test-docker")
# Separate containerd namespaces keep our containers apart from a system
# dockerd that may share a system containerd.
CONTAINERD_NAMESPACE = "devenv-test"


class EngineError(RuntimeError):
    """Root error of the Docker test infrastructure; carries a hint."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(f"{message}\nHint: {hint}" if hint else message)
        self.hint = hint


class EngineNotAvailable(EngineError):
    """A prerequisite (root, dockerd) is missing, so no engine can start."""


class EngineStartError(EngineError):
    """dockerd was started but did not answer in time, or exited."""


@dataclass(frozen=True)
class EngineConfig:
    """Where the private engine keeps its state and how long to wait for it."""

    data_root: Path = DEFAULT_DATA_ROOT
    run_dir: Path = DEFAULT_RUN_DIR
    dockerd: str = "dockerd"
    start_timeout: float = 60.0
    stop_timeout: float = 30.0
    iptables: bool = True
    ip_forward: bool = False
    extra_args: tuple[str, ...] = ()

    @property
    def socket(self) -> Path:
        """The engine's unix socket."""
        return self.run_dir / "docker.sock"

    @property
    def pidfile(self) -> Path:
        """dockerd writes its pid here."""
        return self.run_dir / "dockerd.pid"

    @property
    def exec_root(self) -> Path:
        """Runtime state (container shims, supervised containerd)."""
        return self.run_dir / "exec"

    @property
    def log_file(self) -> Path:
        """dockerd's stdout and stderr."""
        return self.run_dir / "dockerd.log"

    @property
    def docker_host(self) -> str:
        """The DOCKER_HOST value for this engine."""
        return f"unix://{self.socket}"

    def argv(self) -> list[str]:
        """The dockerd command line."""
        args = [
            self.dockerd,
            f"--data-root={self.data_root}",
            f"--exec-root={self.exec_root}",
            f"--pidfile={self.pidfile}",
            f"--host={self.docker_host}",
            f"--containerd-namespace={CONTAINERD_NAMESPACE}",
            f"--containerd-plugins-namespace={CONTAINERD_NAMESPACE}-plugins",
        ]
        if not self.iptables:
            args.append("--iptables=false")
        if not self.ip_forward:
            # Otherwise dockerd sets net.ipv4.ip_forward=1 and the FORWARD policy
            # to DROP for the whole host. Ports published on 127.0.0.1 and
            # container-to-container traffic need neither; only egress does.
            args.append("--ip-forward=false")
        return [*args, *self.extra_args]


@dataclass
class Engine:
    """A running private engine."""

    config: EngineConfig
    pid: int
    started: bool
    client: docker.DockerClient = field(repr=False)
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def docker_host(self) -> str:
        """The DOCKER_HOST value for this engine."""
        return self.config.docker_host

    def env(self) -> dict[str, str]:
        """os.environ plus DOCKER_HOST, for `docker` and `docker compose` calls."""
        return {**os.environ, "DOCKER_HOST": self.docker_host}


def check_prerequisites(config: EngineConfig) -> None:
    """Raise EngineNotAvailable unless this process can run dockerd."""
    if os.geteuid() != 0:
        raise EngineNotAvailable(
            "The private Docker engine needs root (dockerd, network setup).",
            "run the docker tests as root, e.g. in CI",
        )
    if shutil.which(config.dockerd) is None:
        raise EngineNotAvailable(
            f"{config.dockerd} is not on PATH.",
            "run tests/docker_support/install.sh",
        )


def log_tail(config: EngineConfig, lines: int = 30) -> str:
    """The last lines of dockerd's log, or a note that there is none."""
    try:
        text = config.log_file.read_text(errors="replace")
    except OSError:
        return f"(no log at {config.log_file})"
    return "\n".join(text.splitlines()[-lines:])


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def is_alive(pid: int) -> bool:
    """True if pid runs and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def running_pid(config: EngineConfig) -> int | None:
    """The pid of our dockerd for this socket, if one runs."""
    pid = _read_pid(config.pidfile)
    if pid is None or not is_alive(pid):
        return None
    argv = _cmdline(pid)
    ours = bool(argv) and Path(argv[0]).name == "dockerd" and config.docker_host in " ".join(argv)
    return pid if ours else None


def connect(config: EngineConfig, *, timeout: float = 10.0) -> docker.DockerClient:
    """A Docker SDK client for the engine; raises if it does not answer a ping."""
    client = docker.DockerClient(base_url=config.docker_host, timeout=timeout)
    client.ping()
    return client


def _wait_for_ping(
    config: EngineConfig, process: subprocess.Popen[bytes] | None
) -> docker.DockerClient:
    deadline = time.monotonic() + config.start_timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise EngineStartError(
                f"dockerd exited with code {process.returncode} before answering on "
                f"{config.socket}.\n--- {config.log_file} (tail) ---\n{log_tail(config)}",
                "read the log above; another dockerd may hold the bridge or the pid file",
            )
        try:
            return connect(config, timeout=5)
        except (docker.errors.DockerException, requests.RequestException, OSError) as exc:
            last_error = exc
        time.sleep(0.25)
    raise EngineStartError(
        f"dockerd did not answer a ping on {config.socket} within {config.start_timeout:.0f} s. "
        f"Last error: {last_error}\n--- {config.log_file} (tail) ---\n{log_tail(config)}",
        "read the log above; raise EngineConfig.start_timeout on a slow machine",
    )


def start_engine(config: EngineConfig | None = None) -> Engine:
    """Start the private dockerd in the background, or reuse one already running."""
    config = config or EngineConfig()
    check_prerequisites(config)
    pid = running_pid(config)
    if pid is not None:
        log.info("reusing dockerd pid %d on %s", pid, config.socket)
        return Engine(config, pid, started=False, client=_wait_for_ping(config, None))
    for path in (config.data_root, config.run_dir, config.exec_root):
        path.mkdir(parents=True, exist_ok=True)
    with config.log_file.open("ab") as out:
        process = subprocess.Popen(
            config.argv(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C in pytest must not kill it mid-build
        )
    log.info("started dockerd pid %d on %s", process.pid, config.socket)
    try:
        client = _wait_for_ping(config, process)
    except BaseException:
        _stop_pid(process.pid, config.stop_timeout, process)
        _stop_containerd(config)
        raise
    return Engine(config, process.pid, started=True, client=client, process=process)


def _stop_pid(pid: int, timeout: float, process: subprocess.Popen[bytes] | None = None) -> bool:
    """SIGTERM pid, wait up to timeout, then SIGKILL. True if it needed SIGKILL."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    if _wait_gone(pid, timeout, process):
        return False
    log.warning("pid %d ignored SIGTERM for %.0f s; sending SIGKILL", pid, timeout)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    _wait_gone(pid, 10, process)
    return True


def _wait_gone(pid: int, timeout: float, process: subprocess.Popen[bytes] | None) -> bool:
    if process is not None:  # our child: reap it, or it lingers as a zombie
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return True
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_alive(pid):
            return True
        time.sleep(0.1)
    return not is_alive(pid)


def _stop_containerd(config: EngineConfig) -> None:
    """Stop the containerd that dockerd supervises, if dockerd left it behind."""
    pid = _read_pid(config.exec_root / "containerd" / "containerd.pid")
    if pid is None or not is_alive(pid):
        return
    argv = _cmdline(pid)
    if argv and Path(argv[0]).name == "containerd" and str(config.exec_root) in " ".join(argv):
        _stop_pid(pid, 10)


def stop_engine(engine: Engine | EngineConfig | None = None) -> bool:
    """Stop our dockerd by its pid (SIGTERM, deadline, SIGKILL). False if none ran."""
    pid: int | None
    process: subprocess.Popen[bytes] | None
    if isinstance(engine, Engine):
        config, pid, process = engine.config, engine.pid, engine.process
        with contextlib.suppress(Exception):
            engine.client.close()
        # A reused engine may have been stopped meanwhile and its pid reused.
        if running_pid(config) != pid and (process is None or process.poll() is not None):
            pid = None
    else:
        config = engine or EngineConfig()
        pid, process = running_pid(config), None
    if pid is None:
        return False
    _stop_pid(pid, config.stop_timeout, process)
    _stop_containerd(config)
    return True


def main(argv: list[str]) -> int:
    """`python -m tests.docker_support.engine start|stop|status`."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    command = argv[0] if argv else "status"
    config = EngineConfig()
    if command == "start":
        engine = start_engine(config)
        # The background dockerd outlives this process: detach from its Popen.
        print(f"DOCKER_HOST={engine.docker_host} pid={engine.pid} started={engine.started}")
    elif command == "stop":
        print("stopped" if stop_engine(config) else "not running")
    elif command == "status":
        pid = running_pid(config)
        print(f"running pid={pid} DOCKER_HOST={config.docker_host}" if pid else "not running")
    else:
        print(f"unknown command {command!r}; use start, stop or status", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
