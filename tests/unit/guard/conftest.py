"""Every guard test runs without the developer's environment or home directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _no_real_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Empty os.environ, point HOME at a decoy, and fail if anything asks for the real home."""
    for name in list(os.environ):
        monkeypatch.delenv(name, raising=False)
    decoy = tmp_path / "decoy-home"
    decoy.mkdir()
    monkeypatch.setenv("HOME", str(decoy))

    def refuse(*args: object, **kwargs: object) -> str:
        raise AssertionError("the guard must not look up the real home directory")

    monkeypatch.setattr(Path, "home", classmethod(refuse))
    monkeypatch.setattr(os.path, "expanduser", refuse)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An empty home directory for one test."""
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty project directory for one test."""
    path = tmp_path / "project"
    path.mkdir()
    return path
