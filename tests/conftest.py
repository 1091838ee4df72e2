"""Shared test setup: every test gets an empty environment and a temporary HOME."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["tests.docker_support.conftest_plugin"]

KEEP = ("PATH", "LANG", "LC_ALL", "TMPDIR", "DEVENV_REQUIRE_DOCKER")


@pytest.fixture(autouse=True)
def clean_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A developer's real credentials never reach a test: empty env, fresh HOME."""
    home = tmp_path_factory.mktemp("home")
    for name in list(os.environ):
        if name not in KEEP:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    return home
