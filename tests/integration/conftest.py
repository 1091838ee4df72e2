"""Integration tests start real PostgreSQL and SeaweedFS servers through devenv itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devenv.ports import next_free
from tests.helpers import project_directory

_next_port = [55400]


def _free_port() -> int:
    port = next_free(_next_port[0])
    _next_port[0] = port + 7
    return port


@pytest.fixture
def project(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty project directory whose stack uses ports no developer's stack uses."""
    monkeypatch.setenv("DEVENV_POSTGRES_PORT", str(_free_port()))
    monkeypatch.setenv("DEVENV_S3_PORT", str(_free_port()))
    with project_directory() as path:
        yield path
