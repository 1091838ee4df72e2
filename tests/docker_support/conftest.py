"""Register the docker_engine plugin when the root conftest has not done so.

The root conftest is meant to load it with
`pytest_plugins = ["tests.docker_support.conftest_plugin"]`; this keeps
`pytest tests/docker_support` working on its own without registering the
plugin twice.
"""

import sys
from pathlib import Path

import pytest

PLUGIN = "tests.docker_support.conftest_plugin"
REPO_ROOT = str(Path(__file__).resolve().parents[2])

if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.get_plugin(PLUGIN) is None:
        config.pluginmanager.import_plugin(PLUGIN)
