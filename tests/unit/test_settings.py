from __future__ import annotations

from pathlib import Path

import pytest

from devenv.errors import ConfigError
from devenv.settings import load_settings, sanitize_name


def write(tmp_path: Path, text: str, name: str = "devenv.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_follow_supabase_ports(tmp_path: Path) -> None:
    s = load_settings(tmp_path, environ={})
    assert s.postgres.port == 54322
    assert s.runtime == "auto"
    assert s.name == sanitize_name(tmp_path.name)
    assert s.postgres.database == s.name.replace("-", "_")
    assert s.config_file is None


def test_file_values_are_read(tmp_path: Path) -> None:
    write(
        tmp_path,
        'name = "shop"\n[postgres]\nport = 6000\ndatabase = "shopdb"\n[s3]\nbuckets = ["a1b", "c2d"]\n',
    )
    s = load_settings(tmp_path, environ={})
    assert (s.name, s.postgres.port, s.postgres.database) == ("shop", 6000, "shopdb")
    assert s.bucket_names() == {"a1b": "local-a1b", "c2d": "local-c2d"}


def test_pyproject_tool_table(tmp_path: Path) -> None:
    write(
        tmp_path,
        '[project]\nname = "x"\n[tool.devenv]\nname = "fromtool"\n[tool.devenv.postgres]\nport = 7000\n',
        "pyproject.toml",
    )
    s = load_settings(tmp_path, environ={})
    assert (s.name, s.postgres.port) == ("fromtool", 7000)
    assert s.config_file == tmp_path / "pyproject.toml"


def test_precedence_flag_over_env_over_file(tmp_path: Path) -> None:
    write(tmp_path, "[postgres]\nport = 6000\n[seed]\nscale = 'medium'\n")
    env = {"DEVENV_POSTGRES_PORT": "6001", "DEVENV_SEED_SCALE": "large"}
    s = load_settings(tmp_path, environ=env)
    assert (s.postgres.port, s.seed.scale) == (6001, "large")
    s = load_settings(tmp_path, environ=env, overrides={"postgres.port": 6002, "seed.scale": None})
    assert (s.postgres.port, s.seed.scale) == (6002, "large")


def test_unrelated_devenv_variables_are_ignored(tmp_path: Path) -> None:
    s = load_settings(tmp_path, environ={"DEVENV_ENVIRONMENT": "local", "DEVENV_RUNTIME": "native"})
    assert s.runtime == "native"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[postgres]\nprot = 1\n", "devenv.toml:2: postgres.prot: unknown key"),
        (
            "name = 'ok'\n\n[postgres]\nport = 'high'\n",
            "devenv.toml:4: postgres.port: must be an integer, not 'high'",
        ),
        ("[s3]\nbuckets = 'docs'\n", "devenv.toml:2: s3.buckets: must be a list of strings"),
        (
            "runtime = 'podman'\n",
            "devenv.toml:1: runtime: must be one of 'auto', 'native', 'docker', not 'podman'",
        ),
        ("[postgres]\nport = 80\n", "devenv.toml:2: postgres.port: 80 is not a usable port"),
        ("[seed]\nscale = 'huge'\n", "devenv.toml:2: seed.scale: must be one of"),
        ("postgres = 5\n", "devenv.toml:1: postgres: must be a table"),
        ("[postgres\nport = 1\n", "devenv.toml:1: (syntax): invalid TOML"),
        (
            "[s3]\nbuckets = ['Bad_Name']\n",
            "devenv.toml:2: s3.buckets: 'Bad_Name' is not a valid bucket name",
        ),
        ("name = 'Has Spaces'\n", "devenv.toml:1: name: 'Has Spaces' is not a valid project name"),
    ],
)
def test_bad_config_names_file_line_and_key(tmp_path: Path, text: str, expected: str) -> None:
    write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path, environ={})
    assert str(info.value).startswith(str(tmp_path / expected.split(":", 1)[0]))
    assert expected.split(":", 1)[1] in str(info.value)
    assert info.value.hint


def test_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"\$DEVENV_POSTGRES_PORT: postgres.port: must be an integer"
    ):
        load_settings(tmp_path, environ={"DEVENV_POSTGRES_PORT": "fast"})


def test_bad_flag_value(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--scale: must be one of"):
        load_settings(tmp_path, environ={}, overrides={"seed.scale": "xl"})


@pytest.mark.parametrize("number", [2**63, -(2**63) - 1])
def test_a_seed_number_beyond_bigint_is_refused(tmp_path: Path, number: int) -> None:
    with pytest.raises(ConfigError, match=rf"--seed: {number} is out of range"):
        load_settings(tmp_path, environ={}, overrides={"seed.seed": number})
    write(tmp_path, f"[seed]\nseed = {number}\n")
    with pytest.raises(ConfigError, match=rf"seed.seed: {number} is out of range"):
        load_settings(tmp_path, environ={})


@pytest.mark.parametrize("number", [2**63 - 1, -(2**63), 0])
def test_a_seed_number_within_bigint_is_accepted(tmp_path: Path, number: int) -> None:
    assert load_settings(tmp_path, environ={}, overrides={"seed.seed": number}).seed.seed == number


def test_settings_are_frozen(tmp_path: Path) -> None:
    s = load_settings(tmp_path, environ={})
    with pytest.raises(AttributeError):
        s.name = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("raw", "name"), [("My Project", "my-project"), ("__x__", "x"), ("", "devenv"), ("Ünï", "n")]
)
def test_sanitize_name(raw: str, name: str) -> None:
    assert sanitize_name(raw) == name


def test_a_config_file_that_is_not_utf8_text_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "devenv.toml").write_bytes(b'name = "caf\xe9"\n')  # Latin-1, not UTF-8
    with pytest.raises(ConfigError, match=r"devenv\.toml: cannot read it as UTF-8 text"):
        load_settings(tmp_path, environ={})
