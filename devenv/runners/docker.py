"""The Docker runner: the generated compose stack, run with Docker Compose, watched with the SDK."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from devenv import engine
from devenv.compose import COMPOSE_FILE, build_stack, project_name, render, write_stack
from devenv.compose_cli import Compose, find_compose
from devenv.errors import EngineError
from devenv.probes import wait_until_ready
from devenv.runners import Notify, ServiceStatus, StartReport
from devenv.runners.portplan import choose_ports
from devenv.runners.select import stack_services
from devenv.services import Service, StackContext
from devenv.services.supabase import ContainerHealthy
from devenv.settings import Settings
from devenv.state import Secrets, load_state, save_state

log = logging.getLogger(__name__)
PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
_ALIVE = ("running", "created")


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
        self._cli: Compose | None = None

    # -- engine and compose ------------------------------------------------------------------

    @property
    def client(self) -> Any:
        """The SDK client, connected on first use (EngineError if no engine answers)."""
        if self._client is None:
            self._client = engine.connect()
        return self._client

    def _compose(self, *args: str, timeout: float) -> str:
        """Run one compose command on this project's generated stack."""
        if self._cli is None:
            self._cli = find_compose()
        path = self.settings.state_dir / COMPOSE_FILE
        if not path.exists():  # removed by hand: containers are found by project name anyway
            write_stack(self.context(), self.services)
        return self._cli.run(self.project, path, *profiles(path), *args, timeout=timeout)

    def containers(self) -> dict[str, Any]:
        """The project's containers by service name."""
        found = self.client.containers.list(
            all=True, filters={"label": f"{PROJECT_LABEL}={self.project}"}
        )
        return {c.labels.get(SERVICE_LABEL, c.name): c for c in found}

    def _volumes(self) -> list[Any]:
        """The project's named volumes."""
        label = f"{PROJECT_LABEL}={self.project}"
        return list(self.client.volumes.list(filters={"label": label}))

    def has_data(self) -> bool:
        """True if the engine holds containers or volumes of this project."""
        return bool(self._volumes() or self.containers())

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
        """Write the stack, pull what is missing, `compose up -d`, then wait for every service."""
        state = load_state(self.settings.state_dir)
        containers = self.containers()
        running = {n for n, c in containers.items() if c.status == "running"}
        state.ports.update(self._published(containers, running))
        ports, notices = choose_ports(
            self.services, self.settings, state.ports, running, native=False
        )
        state.ports.update(ports)
        ctx = StackContext(self.settings, self.secrets, ports)
        stack = build_stack(ctx, self.services)
        write_stack(ctx, self.services)
        started = [s.name for s in self.services if s.name not in running]
        deadline = time.monotonic() + self.settings.docker.timeout
        try:
            if started:
                for image in dict.fromkeys(svc["image"] for svc in stack["services"].values()):
                    engine.ensure_image(image, deadline=deadline, notify=self.notify)
                left = max(5.0, deadline - time.monotonic())
                self._compose("up", "--detach", "--remove-orphans", *started, timeout=left)
            state.runtime = self.name
            save_state(self.settings.state_dir, state)
            for service in self.services:
                self._wait(service, ctx, timeout=timeout)
        except BaseException:
            if started:
                self._stop_after_failure(started)
            raise
        return StartReport(tuple(self.status()), tuple(started), tuple(notices), ctx)

    def start_over(self, service: str, *, timeout: float) -> StartReport:
        """Stop the stack, delete one service's volumes, and start the stack again."""
        self.down()
        ctx = self.context()
        wanted = {
            f"{self.project}_{volume}"
            for s in self.services
            if s.name == service
            for volume in s.compose_fragment(ctx).get("volumes", {})
        }
        for volume in self._volumes():
            if volume.name in wanted:
                volume.remove(force=True)
        return self.up(timeout=timeout)

    def _published(self, containers: dict[str, Any], running: set[str]) -> dict[str, int]:
        """The host ports that running containers really publish.

        They may have been started by hand from .devenv/compose.yaml; .env.local must match.
        """
        found: dict[str, int] = {}
        for key, (service, target) in self._port_targets().items():
            if service not in running:
                continue
            ports = containers[service].attrs.get("NetworkSettings", {}).get("Ports") or {}
            bindings = ports.get(f"{target}/tcp") or []
            if bindings and str(bindings[0].get("HostPort", "")).isdigit():
                found[key] = int(bindings[0]["HostPort"])
        return found

    def _port_targets(self) -> dict[str, tuple[str, int]]:
        """Which service and container port each host-port key publishes.

        Read from the fragments themselves, built with a distinct stand-in port per key.
        """
        keys = [k for s in self.services for k in s.port_keys(self.settings, native=False)]
        marks = {key: 1024 + i for i, key in enumerate(keys)}
        ctx = StackContext(self.settings, self.secrets, marks)
        targets: dict[int, tuple[str, int]] = {}
        for service in self.services:
            body = service.compose_fragment(ctx)["services"][service.name]
            for spec in body.get("ports", []):
                _ip, host, target = str(spec).rsplit(":", 2)
                targets[int(host)] = (service.name, int(target))
        return {key: targets[mark] for key, mark in marks.items() if mark in targets}

    def _wait(self, service: Service, ctx: StackContext, *, timeout: float) -> None:
        """Ready from the host first, then healthy in Docker's eyes; fail fast on a crash."""
        deadline = time.monotonic() + timeout

        def tail() -> str:
            return self.read_log(service.name, lines=20)

        def alive() -> bool:
            container = self.containers().get(service.name)
            return container is not None and _alive(container)

        probe = service.probe(ctx)
        if not isinstance(probe, ContainerHealthy):  # else no host port: health is the probe
            wait_until_ready(
                probe, service=service.name, timeout=timeout, log_tail=tail, alive=alive
            )
        wait_until_ready(
            Healthy(self, service.name),
            service=service.name,
            timeout=max(1.0, deadline - time.monotonic()),
            log_tail=tail,
            alive=alive,
        )

    def _stop_after_failure(self, started: list[str]) -> None:
        """Remove what this `up` started; the volumes stay."""
        try:
            self.down(only=None if len(started) == len(self.services) else started)
        except Exception:
            log.exception("could not stop the containers after a failed start")

    def down(self, *, only: Sequence[str] | None = None) -> list[str]:
        """Remove the containers (and the network) and keep the named volumes."""
        containers = self.containers()
        if not containers:
            return []
        running = [n for n, c in containers.items() if c.status in ("running", "restarting")]
        names = [n for n in only or containers if n in containers]
        # rm --volumes: anonymous volumes only (an image's VOLUME that no named volume
        # covers); the named volumes, which hold the data, stay.
        if names:
            self._compose("rm", "--stop", "--force", "--volumes", *names, timeout=120)
        if only is None:
            self._compose("down", "--remove-orphans", timeout=120)  # and the network
        stopped = [n for n in running if only is None or n in only]
        return [s.name for s in self.services if s.name in stopped]

    def status(self) -> list[ServiceStatus]:
        """Each service's container state, its URL and its volume."""
        ctx = self.context()
        try:
            containers = self.containers()
            unreachable = ""
        except EngineError:
            containers, unreachable = {}, "the Docker engine is not running"
        out = []
        for service in self.services:
            state, detail = _state_of(containers.get(service.name), service.name)
            out.append(
                ServiceStatus(
                    name=service.name,
                    state=state,  # type: ignore[arg-type]
                    url=service.url(ctx),
                    port=ctx.port(service.name),
                    pid=None,
                    data=", ".join(self._volume_names(service, ctx)),
                    detail=unreachable or detail,
                )
            )
        return out

    def _volume_names(self, service: Service, ctx: StackContext) -> list[str]:
        """Where a service's data lives: the named volumes its fragment declares."""
        fragment = service.compose_fragment(ctx)
        return [f"docker volume {self.project}_{name}" for name in fragment.get("volumes", {})]

    def read_log(self, service: str, *, lines: int) -> str:
        """The last lines of a container's output."""
        container = self.containers().get(service)
        if container is None:
            return ""
        return str(container.logs(tail=lines).decode(errors="replace")).rstrip()

    def follow_logs(self, service: str) -> Iterator[str]:
        """Stream a container's output as it comes."""
        container = self.containers().get(service)
        if container is None:
            return
        for chunk in container.logs(stream=True, follow=True, tail=0):
            yield chunk.decode(errors="replace").rstrip("\n")

    def destroy(self) -> list[str]:
        """Remove the containers, the network and the volumes of this project."""
        volumes = [v.name for v in self._volumes()]
        if self.containers() or volumes:
            self._compose("down", "--volumes", "--remove-orphans", timeout=180)
        for volume in self._volumes():  # not in the current stack file (e.g. an older one)
            volume.remove(force=True)
        return [f"docker volume {name}" for name in volumes]

    def render_stack(self) -> str:
        """The compose YAML for the current ports (secrets stay ${VARIABLES})."""
        return render(build_stack(self.context(), self.services))


@dataclass(frozen=True)
class Healthy:
    """A probe: the container's own healthcheck reports `healthy`."""

    runner: DockerRunner
    service: str

    def check(self) -> None:
        """Raise unless Docker says the container is healthy."""
        container = self.runner.containers().get(self.service)
        if container is None:
            raise LookupError(f"no container for {self.service}")
        health = container.attrs.get("State", {}).get("Health") or {}
        status = health.get("Status", "")
        if status in ("healthy", ""):  # "": an image without healthcheck counts as ready
            return
        checks = health.get("Log") or [{}]
        output = str(checks[-1].get("Output", "")).strip().replace("\n", " ")
        said = f"; last check said: {output}" if output else ""
        raise RuntimeError(f"health is {status}{said}")

    def describe(self) -> str:
        """What is probed."""
        return "its Docker healthcheck"


def profiles(path: Path) -> list[str]:
    """`--profile` for each profile in a written stack: devenv wants all its services.

    (`[supabase] exclude` leaves a service out of the stack instead.)
    """
    stack = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    bodies = stack.get("services", {}).values()
    found = [p for body in bodies for p in body.get("profiles", [])]
    return [arg for p in dict.fromkeys(found) for arg in ("--profile", p)]


def _alive(container: Any) -> bool:
    """Running or about to; a container the restart policy has restarted has crashed."""
    restarts = int(container.attrs.get("RestartCount", 0) or 0)
    return container.status in _ALIVE and restarts == 0


def _state_of(container: Any, service: str) -> tuple[str, str]:
    """Map a container's status and health to devenv's states."""
    if container is None:
        return "stopped", ""
    crashed = f"`devenv logs {service}` shows why; `devenv up` restarts it"
    if container.status == "running":
        health = (container.attrs.get("State", {}).get("Health") or {}).get("Status", "")
        if health == "starting":
            return "starting", "health: starting"
        if health == "unhealthy":
            return "running", f"health: unhealthy; {crashed}"
        return "running", ""
    if container.status == "restarting":
        return "crashed", f"restarting after a crash; {crashed}"
    if container.status == "exited":
        code = container.attrs.get("State", {}).get("ExitCode", 0)
        if code not in (0, 137, 143):  # 137/143: stopped by a signal
            return "crashed", f"exited with code {code}; {crashed}"
    return "stopped", container.status
