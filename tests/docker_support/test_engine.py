"""Timeout, cleanup and skip paths of the Docker test infrastructure.

These need no Docker engine: a shell script stands in for dockerd.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.docker_support import conftest_plugin, engine, images, rootfs, session
from tests.docker_support.engine import EngineConfig, EngineStartError


def fake_dockerd(tmp_path: Path, body: str) -> str:
    path = tmp_path / "bin" / "dockerd"
    path.parent.mkdir()
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return str(path)


def config_for(tmp_path: Path, dockerd: str, **kwargs: float) -> EngineConfig:
    return EngineConfig(
        data_root=tmp_path / "data", run_dir=tmp_path / "run", dockerd=dockerd, **kwargs
    )


@pytest.fixture
def as_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 0)


def test_dockerd_command_line_is_private():
    argv = EngineConfig().argv()
    assert "--data-root=/var/lib/devenv-test-docker" in argv
    assert "--host=unix:///run/devenv-test-docker/docker.sock" in argv
    assert "--pidfile=/run/devenv-test-docker/dockerd.pid" in argv
    assert "--exec-root=/run/devenv-test-docker/exec" in argv
    assert "--ip-forward=false" in argv
    assert EngineConfig().docker_host == "unix:///run/devenv-test-docker/docker.sock"


@pytest.mark.usefixtures("as_root")
def test_start_timeout_raises_with_log_tail_and_stops_dockerd(tmp_path: Path):
    pid_file = tmp_path / "fake.pid"
    dockerd = fake_dockerd(
        tmp_path, f"echo $$ > {pid_file}\necho 'fake dockerd: stuck'\nexec sleep 60"
    )
    started = time.monotonic()
    with pytest.raises(EngineStartError, match=r"within 1 s(.|\n)*fake dockerd: stuck"):
        engine.start_engine(config_for(tmp_path, dockerd, start_timeout=1, stop_timeout=5))
    assert time.monotonic() - started < 10
    pid = int(pid_file.read_text())
    assert not engine.is_alive(pid), "a dockerd that never answered must be stopped"


@pytest.mark.usefixtures("as_root")
def test_dockerd_exiting_early_is_reported_at_once(tmp_path: Path):
    dockerd = fake_dockerd(tmp_path, "echo 'failed to start daemon: no bridge' >&2\nexit 3")
    started = time.monotonic()
    with pytest.raises(EngineStartError, match=r"exited with code 3(.|\n)*no bridge"):
        engine.start_engine(config_for(tmp_path, dockerd, start_timeout=30))
    assert time.monotonic() - started < 10


def test_stop_escalates_to_sigkill(tmp_path: Path):
    script = "trap '' TERM; echo ready; while :; do sleep 0.1; done"
    with subprocess.Popen(["sh", "-c", script], stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "ready\n"
        assert engine._stop_pid(proc.pid, 0.5, proc) is True
        assert proc.returncode == -9


def test_stop_engine_without_a_running_dockerd_is_a_no_op(tmp_path: Path):
    assert engine.stop_engine(config_for(tmp_path, "dockerd")) is False


def test_pidfile_of_another_program_is_not_ours(tmp_path: Path):
    config = config_for(tmp_path, "dockerd")
    config.run_dir.mkdir()
    with subprocess.Popen(["sleep", "30"]) as proc:
        config.pidfile.write_text(str(proc.pid))
        try:
            assert engine.running_pid(config) is None  # never signal a stranger
        finally:
            proc.kill()


def test_not_root_is_reported_with_a_hint(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(engine.EngineNotAvailable, match="needs root") as info:
        engine.check_prerequisites(EngineConfig())
    assert "CI" in info.value.hint


@pytest.mark.parametrize(("required", "outcome"), [("1", pytest.fail), ("", pytest.skip)])
def test_missing_prerequisites_skip_or_fail(monkeypatch, required, outcome):
    monkeypatch.setenv("DEVENV_REQUIRE_DOCKER", required)
    with pytest.raises(outcome.Exception, match="no dockerd"):
        conftest_plugin.skip_or_fail("no dockerd")


def test_tags_come_from_images_toml(tmp_path: Path):
    toml = tmp_path / "images.toml"
    toml.write_text(
        '[postgres]\n15 = "pg:15"\n16 = "pg:16"\n[images]\nminio = "m:1"\nminio-client = "mc:2"\n'
        'supabase-db = "sb:15"\n'
    )
    assert images.load_tags(toml) == images.StandinTags("pg:15", "m:1", "mc:2", "sb:15")
    real = images.load_tags()
    assert real.postgres.startswith("postgres:15.")
    assert real.supabase_postgres.startswith("supabase/postgres:15.")


def test_recipe_hash_covers_parent_recipe():
    base = rootfs.recipe_hash("base", "bookworm")
    postgres = rootfs.recipe_hash("postgresql-15", "bookworm")
    assert base != postgres
    assert rootfs.recipe_hash("postgresql-15", "trixie") != postgres


def test_failed_command_carries_output_tail():
    with pytest.raises(rootfs.StandinBuildError, match=r"exited with 2:\n(.|\n)*boom"):
        rootfs.run_command(["sh", "-c", "echo boom >&2; exit 2"], timeout=10)
    with pytest.raises(rootfs.StandinBuildError, match="timed out after 0 s"):
        rootfs.run_command(["sleep", "5"], timeout=0.2)


def test_last_session_out_stops_the_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    config = config_for(tmp_path, "dockerd")
    stopped: list[object] = []
    fake = SimpleNamespace(pid=1)
    monkeypatch.setattr(session, "start_engine", lambda _config: fake)
    monkeypatch.setattr(session, "stop_engine", stopped.append)
    with subprocess.Popen(["sleep", "30"]) as other:
        try:
            with session.engine_session(config):
                (config.run_dir / "leases" / str(other.pid)).touch()  # a concurrent session
                (config.run_dir / "leases" / "999999999").touch()  # a session that died
            assert stopped == [], "another live session still uses the engine"
            assert sorted(p.name for p in (config.run_dir / "leases").iterdir()) == [str(other.pid)]
        finally:
            other.kill()
    other.wait()
    with session.engine_session(config):
        pass
    assert stopped == [fake]


def test_kept_engine_is_not_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    stopped: list[object] = []
    monkeypatch.setattr(session, "start_engine", lambda _config: SimpleNamespace(pid=1))
    monkeypatch.setattr(session, "stop_engine", stopped.append)
    with session.engine_session(config_for(tmp_path, "dockerd"), keep=True):
        pass
    assert stopped == []
