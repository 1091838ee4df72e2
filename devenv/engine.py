"""The Docker engine through the Docker SDK: find it, pull images, explain its errors."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from devenv.errors import EngineError

DEFAULT_HOST = "unix:///var/run/docker.sock"
NATIVE_HINT = "or run `devenv up --runtime native` to use local processes instead"
START_HINT = f"Start Docker Desktop (or `sudo systemctl start docker`), {NATIVE_HINT}."
GROUP_HINT = (
    "Add your user to the `docker` group (`sudo usermod -aG docker $USER`, then log in "
    f"again), {NATIVE_HINT}."
)
MIRROR_HINT = (
    "Check the network or sign in to the registry (`docker login`). Behind a registry "
    "mirror, set the image in devenv.toml under [docker.images], then run `devenv up` again."
)


def docker_host() -> str:
    """Where the SDK and the compose CLI look for the engine (DOCKER_HOST, else the default)."""
    return os.environ.get("DOCKER_HOST") or DEFAULT_HOST


def connect(*, timeout: float = 5.0) -> Any:
    """A Docker SDK client that answered a ping; EngineError with a hint otherwise."""
    import docker
    from docker.errors import DockerException
    from requests.exceptions import RequestException

    try:
        client = docker.from_env(timeout=max(1, round(timeout)))
        client.ping()
    except (DockerException, RequestException, OSError) as exc:
        raise explain(exc, timeout=timeout) from exc
    return client


def available(*, timeout: float = 2.0) -> bool:
    """True if an engine answers (used by `auto` to pick a runtime)."""
    try:
        connect(timeout=timeout)
    except EngineError:
        return False
    return True


def explain(exc: BaseException, *, timeout: float = 5.0) -> EngineError:
    """Map an SDK or socket error to what happened and what the user should do."""
    where = docker_host()
    text = " ".join(f"{e!r} {e}" for e in _chain(exc))
    if "PermissionError" in text or "Permission denied" in text or "permission denied" in text:
        return EngineError(f"permission denied on the Docker socket {where}", hint=GROUP_HINT)
    if "FileNotFoundError" in text or "No such file" in text:
        reason = f"there is no Docker socket at {where}"
    elif "ConnectionRefusedError" in text or "Connection refused" in text:
        reason = f"nothing answers on {where} (connection refused)"
    elif "timed out" in text.lower() or "Timeout" in text:
        reason = f"{where} did not answer within {timeout:g} s"
    else:
        reason = f"{where} did not answer ({type(exc).__name__}: {exc})"
    return EngineError(f"the Docker engine is not running: {reason}", hint=START_HINT)


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and everything it was raised from."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def pull_failed(image: str, detail: str) -> EngineError:
    """An image that cannot be pulled, with the registry's last word."""
    lines = detail.strip().splitlines()
    last = lines[-1].strip() if lines else "no detail"
    return EngineError(f"could not pull {image}: {last}", hint=MIRROR_HINT)


def ensure_image(
    image: str, *, deadline: float, notify: Callable[[str], None] = lambda _m: None
) -> bool:
    """Pull `image` unless the engine has it; True if it was pulled."""
    import docker
    from docker.errors import APIError, DockerException, ImageNotFound

    remaining = max(1.0, deadline - time.monotonic())
    client = docker.from_env(timeout=max(1, round(remaining)))
    try:
        client.images.get(image)
        return False
    except ImageNotFound:
        pass
    except DockerException as exc:
        raise explain(exc) from exc
    notify(f"Pulling {image} …")
    try:
        for event in client.api.pull(image, stream=True, decode=True):
            if isinstance(event, dict) and event.get("error"):
                raise pull_failed(image, str(event["error"]))
            if time.monotonic() > deadline:
                raise pull_failed(image, f"not finished within {remaining:g} s")
    except APIError as exc:
        raise pull_failed(image, str(exc.explanation or exc)) from exc
    except DockerException as exc:
        raise explain(exc) from exc
    finally:
        client.close()
    return True
