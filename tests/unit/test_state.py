from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from devenv.errors import ConfigError
from devenv.state import ProcessRecord, ProjectState, load_secrets, load_state, save_state


def test_secrets_are_generated_once_per_project_and_private(tmp_path: Path) -> None:
    first = load_secrets(tmp_path / ".devenv")
    again = load_secrets(tmp_path / ".devenv")
    other = load_secrets(tmp_path / "other" / ".devenv")
    assert first == again
    assert first != other
    assert first is not None
    assert first.s3_access_key.startswith("devenv-")
    assert len(first.s3_access_key) == 23
    assert first.s3_secret_key.startswith("devenv-")
    assert len(first.s3_secret_key) == 47
    assert len(first.jwt_secret) >= 32
    path = tmp_path / ".devenv" / "secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (tmp_path / ".devenv" / ".gitignore").read_text() == "*\n"


def test_no_secrets_without_create(tmp_path: Path) -> None:
    assert load_secrets(tmp_path, create=False) is None


def test_damaged_secrets_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "secrets.json").write_text("{not json")
    with pytest.raises(ConfigError, match=r"secrets\.json is damaged") as info:
        load_secrets(tmp_path)
    assert "devenv destroy" in info.value.hint


def test_state_round_trip(tmp_path: Path) -> None:
    state = ProjectState(runtime="native", ports={"postgres": 54322})
    state.processes["postgres"] = ProcessRecord(12, 34, "/bin/postgres", 2)
    state.processes["s3"] = ProcessRecord(56, 78, "/bin/weed", 15, ("/tmp/a.sock", "/tmp/b.sock"))
    save_state(tmp_path, state)
    assert load_state(tmp_path) == state
    assert json.loads((tmp_path / "state.json").read_text())["ports"] == {"postgres": 54322}


def test_damaged_state_names_the_fix(tmp_path: Path) -> None:
    (tmp_path / "state.json").write_text("[]")
    with pytest.raises(ConfigError, match=r"state\.json is damaged"):
        load_state(tmp_path)
