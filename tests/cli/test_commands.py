"""The CLI in-process, without servers: exit codes and exact Error:/Hint: text."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import devenv


def test_help_lists_every_command_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    result = devenv(capsys, "--help")
    assert result.code == 0
    for command in (
        "init",
        "up",
        "down",
        "status",
        "logs",
        "env",
        "reset",
        "destroy",
        "seed",
        "check",
        "doctor",
    ):
        assert command in result.out
        sub = devenv(capsys, command, "--help")
        assert sub.code == 0, command
        assert "Example: devenv" in sub.out, command


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    result = devenv(capsys, "--version")
    assert (result.code, result.out.strip()) == (0, f"devenv {version('devenv')}")


def test_init_writes_the_clinic_example(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    project = tmp_path / "My Clinic"
    result = devenv(capsys, "init", "--example", "-C", str(project))
    assert result.code == 0, result.err
    assert "Next: devenv up" in result.out
    assert 'name = "my-clinic"' in (project / "devenv.toml").read_text()
    assert len(list((project / "migrations").glob("*.sql"))) == 3


@pytest.mark.parametrize(
    "args", [("up",), ("seed", "--scale", "small"), ("reset",), ("status",), ("env",), ("down",)]
)
def test_a_missing_project_directory_starts_nothing_and_creates_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: tuple[str, ...]
) -> None:
    missing = tmp_path / "typo"
    result = devenv(capsys, *args, "-C", str(missing))
    assert result.code == 4
    assert result.err.startswith(f"Error: the project directory {missing} does not exist\n")
    assert "Hint: Check the path given with -C" in result.err
    assert list(tmp_path.iterdir()) == []


def test_a_file_is_not_a_project_directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "devenv.toml").write_text("# mine\n")
    result = devenv(capsys, "status", "-C", str(tmp_path / "devenv.toml"))
    assert result.code == 4
    assert "devenv.toml is not a directory" in result.err


def test_init_never_overwrites_without_force(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "devenv.toml").write_text("# mine\n")
    result = devenv(capsys, "init", "-C", str(tmp_path))
    assert result.code == 4
    assert result.err.startswith(f"Error: {tmp_path} already has devenv.toml")
    assert (
        "Hint: Nothing was written. Run `devenv init --force` to overwrite these files."
        in result.err
    )
    assert (tmp_path / "devenv.toml").read_text() == "# mine\n"
    assert not (tmp_path / "migrations").exists()
    assert devenv(capsys, "init", "--force", "-C", str(tmp_path)).code == 0
    assert (tmp_path / "devenv.toml").read_text() != "# mine\n"


def test_broken_config_starts_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "devenv.toml").write_text("[postgres]\nport = 'x'\n")
    result = devenv(capsys, "up", "-C", str(tmp_path))
    assert result.code == 4
    assert result.err.splitlines()[0] == (
        f"Error: {tmp_path / 'devenv.toml'}:2: postgres.port: must be an integer, not 'x'"
    )
    assert (
        f"Hint: Fix `postgres.port` in {tmp_path / 'devenv.toml'}, then run the command again."
        in result.err
    )
    assert not (tmp_path / ".devenv").exists()


def test_bad_flag_value(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = devenv(capsys, "up", "--scale", "huge", "-C", str(tmp_path))
    assert result.code == 4
    assert "Error: --scale: must be one of 'small', 'medium', 'large', not 'huge'" in result.err


def test_status_of_a_new_project(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = devenv(capsys, "status", "-C", str(tmp_path))
    assert result.code == 0
    assert "postgres" in result.out
    assert "stopped" in result.out


def test_tables_off_a_terminal_keep_each_row_on_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Piped or in a CI log, long URLs and paths are not folded at 80 columns."""
    deep = tmp_path / ("a-project-with-a-long-name-" * 3)
    deep.mkdir()
    result = devenv(capsys, "status", "-C", str(deep))
    assert result.code == 0
    rows = [line for line in result.out.splitlines() if line.startswith(("postgres ", "s3 "))]
    assert len(rows) == 2
    assert all(str(deep / ".devenv") in row for row in rows)


def test_logs_of_an_unknown_service(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = devenv(capsys, "logs", "redis", "-C", str(tmp_path))
    assert result.code == 4
    assert "Error: no service named 'redis'" in result.err
    assert "Hint: Choose one of: s3, postgres." in result.err


@pytest.mark.parametrize("command", ["reset", "destroy"])
def test_destructive_commands_need_yes_without_a_tty(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    result = devenv(capsys, command, "-C", str(tmp_path))
    assert result.code == 1
    assert "Error: refusing to delete data without confirmation" in result.err
    assert "Hint: Add --yes." in result.err


def test_down_when_nothing_runs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = devenv(capsys, "down", "--json", "-C", str(tmp_path))
    assert result.code == 0
    assert '"stopped": []' in result.out
