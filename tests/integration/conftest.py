"""Integration tests start real PostgreSQL and SeaweedFS servers through devenv itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import free_port, project_directory


@pytest.fixture
def project(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty project directory whose stack uses ports no developer's stack uses."""
    monkeypatch.setenv("DEVENV_POSTGRES_PORT", str(free_port()))
    monkeypatch.setenv("DEVENV_S3_PORT", str(free_port()))
    with project_directory() as path:
        yield path
