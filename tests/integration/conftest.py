"""Integration tests start real PostgreSQL and SeaweedFS servers through devenv itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devenv.runners.native import NativeRunner
from devenv.services import StackContext
from devenv.settings import load_settings
from devenv.state import load_secrets
from tests.helpers import free_port, project_directory


@pytest.fixture
def project(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty project directory whose stack uses ports no developer's stack uses."""
    monkeypatch.setenv("DEVENV_POSTGRES_PORT", str(free_port()))
    monkeypatch.setenv("DEVENV_S3_PORT", str(free_port()))
    with project_directory() as path:
        yield path


@pytest.fixture(scope="session")
def native_stack() -> Iterator[StackContext]:
    """PostgreSQL and SeaweedFS started by devenv's own native runner, shared by a session.

    Tests that need plain servers (the seed engine's) create their own databases and buckets
    on it. The runner stops both servers by pid at the end.
    """
    with project_directory("devenv-stack-") as path:
        (path / "devenv.toml").write_text(
            f"[postgres]\nport = {free_port()}\n[s3]\nport = {free_port()}\n", encoding="utf-8"
        )
        settings = load_settings(path, environ={})
        secrets = load_secrets(settings.state_dir)
        assert secrets is not None
        runner = NativeRunner(settings, secrets)
        report = runner.up(timeout=60)
        try:
            assert report.context is not None
            yield report.context
        finally:
            runner.destroy()
