"""Engine errors (through the Docker SDK) become clear messages with hints."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from devenv import engine
from devenv.errors import EngineError

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
