from __future__ import annotations

import stat
from pathlib import Path

from devenv.envfile import MARKER, ensure_gitignored, render, user_section, write_env_file

VARS = {
    "DEVENV_ENVIRONMENT": "local",
    "DATABASE_URL": "postgresql://postgres:pw@127.0.0.1:54322/app",
    "S3_ENDPOINT_URL": "http://127.0.0.1:54330",
    "AWS_ACCESS_KEY_ID": "devenv-0123456789abcdef",
    "AWS_SECRET_ACCESS_KEY": "devenv-" + "ab" * 20,
}


def test_render_has_every_variable_and_the_marker() -> None:
    text = render("app", VARS)
    for key, value in VARS.items():
        assert f"{key}={value}\n" in text
    assert MARKER in text


def test_values_that_need_quotes_are_quoted() -> None:
    text = render("app", {"A": "has space", "B": 'say "hi"'})
    assert 'A="has space"' in text
    assert 'B="say \\"hi\\""' in text


def test_user_lines_below_marker_survive_rewrite(tmp_path: Path) -> None:
    path = write_env_file(tmp_path, "app", VARS)
    path.write_text(path.read_text() + "MY_FLAG=1\n# mine\n")
    write_env_file(
        tmp_path, "app", {**VARS, "DATABASE_URL": "postgresql://postgres:pw@127.0.0.1:6000/app"}
    )
    text = path.read_text()
    assert text.endswith("MY_FLAG=1\n# mine\n")
    assert "127.0.0.1:6000" in text
    assert text.count(MARKER) == 1
    assert user_section(path) == "MY_FLAG=1\n# mine\n"


def test_file_is_private_and_no_temp_files_remain(tmp_path: Path) -> None:
    path = write_env_file(tmp_path, "app", VARS)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == [".env.local"]


def test_gitignore_gets_missing_entries_once(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("node_modules/\n.env.local")
    assert ensure_gitignored(tmp_path) == [".devenv/"]
    assert ensure_gitignored(tmp_path) == []
    lines = (tmp_path / ".gitignore").read_text().splitlines()
    assert lines[:2] == ["node_modules/", ".env.local"]
    assert ".devenv/" in lines


def test_gitignore_created_when_missing(tmp_path: Path) -> None:
    assert ensure_gitignored(tmp_path) == [".env.local", ".devenv/"]
