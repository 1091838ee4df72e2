"""`devenv check` and the guard in front of up, seed, reset and env."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import devenv

AKIA = "AKIA" + "Q7W3E5R7T9Y2U4I6"
SECRET = "wJ4lrXUtn" + "FEMI/K7MDENG/bPxRfiCY" + "zz9Kq0Ab12"


def credentials_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AKIA)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)


def test_check_is_clean_in_an_empty_environment(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    result = devenv(capsys, "check", "-C", str(tmp_path))
    assert result.code == 0
    assert result.out.startswith("No cloud credentials found. Checked: process environment")


def test_check_reports_without_showing_values(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials_in_env(monkeypatch)
    result = devenv(capsys, "check", "--json", "-C", str(tmp_path))
    assert result.code == 3
    report = json.loads(result.out)
    assert report["clean"] is False
    kinds = {(f["source"], f["provider"], f["kind"]) for f in report["findings"]}
    assert ("env AWS_ACCESS_KEY_ID", "aws", "access key id") in kinds
    assert all(f["fingerprint"].startswith("aws:") and f["fix"] for f in report["findings"])
    for text in (result.out, result.err, devenv(capsys, "check", "-C", str(tmp_path)).out):
        assert AKIA[4:] not in text
        assert SECRET[:12] not in text


@pytest.mark.parametrize("command", [["up"], ["seed"], ["reset", "--yes"], ["env"]])
def test_commands_refuse_with_exit_3_and_start_nothing(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
) -> None:
    credentials_in_env(monkeypatch)
    result = devenv(capsys, *command, "-C", str(tmp_path))
    assert result.code == 3
    assert result.err.startswith("Error: devenv refuses to run: found 2 real cloud credentials.")
    assert "env AWS_ACCESS_KEY_ID: aws access key id [aws:" in result.err
    assert "[guard] allow = [" in result.err
    assert not (tmp_path / ".devenv").exists()
    assert not (tmp_path / ".env.local").exists()


def test_a_cloud_database_url_in_an_env_file_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    host = "db.abcdefghijklmnopqrst.supabase.co"
    (tmp_path / ".env").write_text(
        f"# prod\nDATABASE_URL=postgresql://postgres:S3cr3tPassw0rd@{host}:5432/postgres\n"
    )
    result = devenv(capsys, "up", "-C", str(tmp_path))
    assert result.code == 3
    assert ".env:2:" in result.err
    assert "S3cr3tPassw0rd" not in result.err


def test_an_acknowledged_fingerprint_is_listed_on_every_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials_in_env(monkeypatch)
    report = json.loads(devenv(capsys, "check", "--json", "-C", str(tmp_path)).out)
    prints = [f["fingerprint"] for f in report["findings"]]
    (tmp_path / "devenv.toml").write_text(f"[guard]\nallow = {json.dumps(prints)}\n")
    result = devenv(capsys, "check", "-C", str(tmp_path))
    assert result.code == 0
    assert result.err.count("Acknowledged in devenv.toml:") == 2
    env = devenv(capsys, "compose", "--stdout", "-C", str(tmp_path))
    assert env.code == 0
