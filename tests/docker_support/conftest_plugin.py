"""pytest plugin: a private Docker engine with stand-in images, for one session.

Load it from the root conftest:

    pytest_plugins = ["tests.docker_support.conftest_plugin"]

and use the session-scoped `docker_engine` fixture:

    @pytest.mark.docker
    def test_up(docker_engine):
        docker_engine.client.containers.run(...)              # docker SDK
        docker_engine.run(["docker", "compose", "up", "-d", "--wait"], cwd=project)

`docker_engine.docker_host` is the DOCKER_HOST value; `docker_engine.env()` is
os.environ plus DOCKER_HOST, for subprocesses. Every tag in compose/images.toml
that devenv starts (postgres 15, minio, mc, supabase/postgres) exists in the engine as a
stand-in.

Environment, read when the fixture starts:
  DEVENV_REQUIRE_DOCKER=1   a missing prerequisite fails the tests instead of
                            skipping them (CI installs everything).
  DEVENV_DOCKER_KEEP=1      leave the engine running at session end, so the
                            next local run starts in under a second. (Without
                            it, the last of concurrent sessions stops it.)
  DEVENV_DEBIAN_MIRROR=URL  debootstrap mirror (default deb.debian.org).
  DEVENV_DOCKER_IPTABLES=0  start dockerd with --iptables=false.
  DEVENV_DOCKER_IP_FORWARD=1  let dockerd enable IP forwarding (container egress);
                            off by default so the host's sysctl stays as it was.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import docker
import pytest

from tests.docker_support.engine import EngineConfig
from tests.docker_support.images import (
    DEFAULT_MIRROR,
    BuildConfig,
    BuildReport,
    StandinTags,
    ensure_standin_images,
    load_tags,
)
from tests.docker_support.session import engine_session

INSTALL_HINT = "run `tests/docker_support/install.sh .venv` as root"


def docker_required() -> bool:
    """True when missing Docker prerequisites must fail, not skip (CI)."""
    return os.environ.get("DEVENV_REQUIRE_DOCKER") == "1"


def skip_or_fail(reason: str) -> NoReturn:
    """Skip the test, or fail it when DEVENV_REQUIRE_DOCKER=1."""
    if docker_required():
        pytest.fail(f"{reason} (DEVENV_REQUIRE_DOCKER=1, so this fails)", pytrace=False)
    pytest.skip(reason)


def missing_prerequisites() -> list[str]:
    """What this machine lacks to run the private engine; empty when ready."""
    missing = []
    if os.geteuid() != 0:
        missing.append("root (dockerd runs as root)")
    for tool in ("dockerd", "docker", "debootstrap"):
        if shutil.which(tool) is None:
            missing.append(f"`{tool}` on PATH")
    return missing


@dataclass(frozen=True)
class DockerEngine:
    """What the fixture yields: the engine's address, a client and the image tags."""

    docker_host: str
    client: docker.DockerClient
    pid: int
    tags: StandinTags
    build_report: BuildReport
    path: str = field(default_factory=lambda: os.environ.get("PATH", os.defpath))

    def env(self) -> dict[str, str]:
        """Environment for `docker` subprocesses: os.environ plus DOCKER_HOST."""
        # Tests may run with an emptied environment; keep the session's PATH.
        return {"PATH": self.path, **os.environ, "DOCKER_HOST": self.docker_host}

    def run(
        self, argv: list[str], *, cwd: Path | None = None, timeout: float = 180, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run a docker CLI command against this engine; raise with stderr on failure."""
        proc = subprocess.run(
            argv, cwd=cwd, env=self.env(), capture_output=True, text=True, timeout=timeout
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"{' '.join(argv)} exited with {proc.returncode}\n"
                f"stdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"
            )
        return proc


def _engine_config() -> EngineConfig:
    return EngineConfig(
        iptables=os.environ.get("DEVENV_DOCKER_IPTABLES", "1") != "0",
        ip_forward=os.environ.get("DEVENV_DOCKER_IP_FORWARD") == "1",
    )


def _build_config() -> BuildConfig:
    return BuildConfig(mirror=os.environ.get("DEVENV_DEBIAN_MIRROR") or DEFAULT_MIRROR)


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[DockerEngine]:
    """A private dockerd with stand-in images; stopped by pid at session end.

    A dockerd already running for the socket is reused. At the end it is
    stopped unless DEVENV_DOCKER_KEEP=1 or another live test session uses it.
    """
    missing = missing_prerequisites()
    if missing:
        skip_or_fail(f"Docker tests need {', '.join(missing)}: {INSTALL_HINT}")
    build_config = _build_config()
    keep = os.environ.get("DEVENV_DOCKER_KEEP") == "1"
    with engine_session(_engine_config(), keep=keep) as engine:
        report = ensure_standin_images(engine, build_config)
        yield DockerEngine(
            docker_host=engine.docker_host,
            client=engine.client,
            pid=engine.pid,
            tags=load_tags(build_config.images_toml),
            build_report=report,
        )
