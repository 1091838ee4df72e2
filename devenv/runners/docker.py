"""The Docker runner: the generated compose stack, run with `docker compose`, found with the SDK."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml

from devenv import engine
from devenv.compose import COMPOSE_FILE, build_stack, project_name, render, write_stack
from devenv.errors import CommandFailed, EngineError, PortInUse
from devenv.probes import wait_until_ready
from devenv.procs import run
from devenv.runners import Notify, ServiceStatus, StartReport
from devenv.runners.portplan import choose_ports
from devenv.runners.select import stack_services
from devenv.services import Service, StackContext
from devenv.settings import Settings
from devenv.state import Secrets, load_state, save_state

log = logging.getLogger(__name__)
PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"


class DockerRunner:
    """Runs the stack as containers; every port is published on 127.0.0.1 only."""

    name = "docker"

    def __init__(
        self, settings: Settings, secrets: Secrets, *, notify: Notify | None = None
    ) -> None:
        self.settings = settings
        self.secrets = secrets
        self.services = stack_services(settings)
        self.project = project_name(settings.name)
        self.notify = notify or (lambda _msg: None)
        self._client: Any = None

    # -- engine and compose ------------------------------------------------------------------

    @property
    def client(self) -> Any:
        """The SDK client, connected on first use."""
        if self._client is None:
            self._client = engine.connect()
        return self._client

    def _compose(self, *args: str, timeout: float) -> str:
        """Run one compose command on this project's generated stack."""
        command = engine.compose_command()
        path = self.settings.state_dir / COMPOSE_FILE
        if engine.compose_is_v1(command):
            path = self._v1_copy(path)
        argv = [*command, "-p", self.project, "-f", str(path), *args]
        try:
            return run(argv, timeout=timeout, cwd=self.settings.state_dir).stdout
        except CommandFailed as exc:
            raise _explain_compose(exc) from exc

    def _v1_copy(self, path: Path) -> Path:
        """docker-compose 1.x: the same stack without the top-level `name:` key."""
        stack = yaml.safe_load(path.read_text(encoding="utf-8"))
        stack.pop("name", None)
        legacy = path.with_name("docker-compose.v1.yaml")
        legacy.write_text(render(stack), encoding="utf-8")
        return legacy

    def _containers(self) -> dict[str, Any]:
        """The project's containers by service name."""
        found = self.client.containers.list(
            all=True, filters={"label": f"{PROJECT_LABEL}={self.project}"}
        )
        return {c.labels.get(SERVICE_LABEL, c.name): c for c in found}

    # -- protocol ----------------------------------------------------------------------------

    def context(self) -> StackContext:
        """Ports as last chosen (configured ones if never started)."""
        state = load_state(self.settings.state_dir)
        ports: dict[str, int] = {}
        for service in self.services:
            for key, preferred in service.port_keys(self.settings, native=False).items():
                ports[key] = state.ports.get(key, preferred)
        return StackContext(self.settings, self.secrets, ports)

    def up(self, *, timeout: float) -> StartReport:
        """Write the stack, `compose up -d`, then wait for every service from the host."""
        state = load_state(self.settings.state_dir)
        containers = self._containers()
        running = {n for n, c in containers.items() if c.status == "running"}
        ports, notices = choose_ports(
            self.services, self.settings, state.ports, running, native=False
        )
        state.ports.update(ports)
        ctx = StackContext(self.settings, self.secrets, ports)
        write_stack(ctx, self.services)
        started = [s.name for s in self.services if s.name not in running]
        try:
            if started:
                self._compose("up", "-d", "--remove-orphans", timeout=self.settings.docker.timeout)
            state.runtime = self.name
            save_state(self.settings.state_dir, state)
            for service in self.services:
                self._wait(service, ctx, timeout=timeout)
        except BaseException:
            if started:
                self.down(only=started)
            raise
        return StartReport(tuple(self.status()), tuple(started), tuple(notices), ctx)

    def _wait(self, service: Service, ctx: StackContext, *, timeout: float) -> None:
        """Wait for readiness; fail fast when the container has exited."""

        def alive() -> bool:
            container = self._containers().get(service.name)
            return container is not None and container.status in (
                "running",
                "created",
                "restarting",
            )

        wait_until_ready(
            service.probe(ctx),
            service=service.name,
            timeout=timeout,
            log_tail=lambda: self.read_log(service.name, lines=20),
            alive=alive,
        )

    def down(self, *, only: Sequence[str] | None = None) -> list[str]:
        """Remove the containers and keep the named volumes."""
        containers = self._containers()
        running = [n for n, c in containers.items() if c.status == "running"]
        if not containers or not (self.settings.state_dir / COMPOSE_FILE).exists():
            return []
        if only is None:
            self._compose("down", "--remove-orphans", timeout=120)
        else:
            self._compose("rm", "--stop", "--force", *only, timeout=120)
        return [n for n in running if only is None or n in only]

    def status(self) -> list[ServiceStatus]:
        """Each service's container state, its URL and its volume."""
        ctx = self.context()
        containers = self._containers()
        out = []
        for service in self.services:
            container = containers.get(service.name)
            state, detail = _state_of(container)
            out.append(
                ServiceStatus(
                    name=service.name,
                    state=state,  # type: ignore[arg-type]
                    url=service.url(ctx),
                    port=ctx.port(service.name),
                    pid=None,
                    data=f"docker volume {self.project}_{service.name}-data",
                    detail=detail,
                )
            )
        return out

    def read_log(self, service: str, *, lines: int) -> str:
        """The last lines of a container's output."""
        container = self._containers().get(service)
        if container is None:
            return ""
        return str(container.logs(tail=lines).decode(errors="replace")).rstrip()

    def follow_logs(self, service: str) -> Iterator[str]:
        """Stream a container's output as it comes."""
        container = self._containers().get(service)
        if container is None:
            return
        for chunk in container.logs(stream=True, follow=True, tail=0):
            yield chunk.decode(errors="replace").rstrip("\n")

    def destroy(self) -> list[str]:
        """Remove containers and volumes of this project."""
        removed: list[str] = []
        if (self.settings.state_dir / COMPOSE_FILE).exists():
            self._compose("down", "--volumes", "--remove-orphans", timeout=180)
        for volume in self.client.volumes.list(
            filters={"label": f"{PROJECT_LABEL}={self.project}"}
        ):
            volume.remove(force=True)
            removed.append(f"docker volume {volume.name}")
        return removed or [f"docker volumes of {self.project}"]

    def render_stack(self) -> str:
        """The compose YAML for the current ports (secrets stay ${VARIABLES})."""
        return render(build_stack(self.context(), self.services))


def _state_of(container: Any) -> tuple[str, str]:
    """Map a container's status and health to devenv's states."""
    if container is None:
        return "stopped", ""
    if container.status == "running":
        health = container.attrs.get("State", {}).get("Health", {}).get("Status", "")
        return "running", "" if health in ("", "healthy") else f"health: {health}"
    if container.status == "exited":
        code = container.attrs.get("State", {}).get("ExitCode", 0)
        if code not in (0, 137, 143):  # 137/143: stopped by a signal on `down`
            return "crashed", f"exited with code {code}; `devenv up` restarts it"
    return "stopped", container.status


def _explain_compose(exc: CommandFailed) -> EngineError | PortInUse | CommandFailed:
    """Turn compose's stderr into a clear error where the cause is known."""
    text = exc.message
    if "port is already allocated" in text or "address already in use" in text:
        return PortInUse(
            f"a port of the stack is taken: {text.splitlines()[-1]}",
            hint="Stop what holds it, or set another port in devenv.toml, then `devenv up`.",
        )
    for marker in (
        "pull access denied",
        "manifest unknown",
        "failed to resolve reference",
        "not found: manifest",
    ):
        if marker in text:
            return engine.pull_failed("an image of the stack", text)
    if "Cannot connect to the Docker daemon" in text or "permission denied" in text.lower():
        return engine.explain(OSError(text))
    return exc
